#!/usr/bin/env python3
# The pages bench's data set (benches/pages.rs, data()) as an import file: python3 bench_data.py OUT.json
import json, datetime, sys
now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
sent = now - datetime.timedelta(days=1)
def line(sub, i):
    return {"subscription": sub, "offer": "A-Flex" if i % 2 == 0 else "Webex Meetings",
            "rsd": sent.date().isoformat(), "contact": f"contact{i}@customer.example",
            "status": "awaiting", "email_sent_at": sent.isoformat().replace("+00:00", "Z")}
orders = [
  {"id": "WO-100", "partner": "p", "distributor": "d", "created_by": "u@p.example", "customer": "Globex",
   "lines": [line(f"Sub-100-{i:05}", i) for i in range(100)]},
  {"id": "WO-10000", "partner": "p", "created_by": "u@p.example", "customer": "Initech",
   "lines": [line(f"Sub-10000-{i:05}", i) for i in range(10000)]},
]
for o in range(300):
    orders.append({"id": f"WO-5{o:04}", "partner": "p", "created_by": "u@p.example", "customer": f"Customer {o}",
                   "lines": [line(f"Sub-5{o:04}-{i}", i) for i in range(3)]})
json.dump({"companies": [{"id": "p", "name": "Bench Partner", "kind": "partner"},
                         {"id": "d", "name": "Bench Distributor", "kind": "distributor"}],
           "users": [{"email": "u@p.example", "name": "Bench User", "company": "p", "password": "bench password",
                      "can_edit": True, "company_admin": True}],
           "orders": orders}, open(sys.argv[1], "w"))
