# Provisio: svenska meddelanden. Varumärken och produktnamn (Webex, Control Hub, Cloud/SaaS,
# PONR, erbjudandenas namn), id:n, adresser och URL:er står kvar som de är.

skip-to-content = Hoppa till huvudinnehållet
nav-label = Byt vy
nav-orders = Beställningar
language = Språk
language-apply = Byt språk
sign-out = Logga ut
menu = Meny
back-to-orders = Tillbaka till beställningarna
back-to-order = Tillbaka till beställning { $id }
search = Sök
next-page = Nästa sida
close = Stäng
cancel = Avbryt
save = Spara
edit = Redigera
history = Historik
click-here = Klicka här

login-title = Logga in i Provisio
login-email = Mejladress
login-password = Lösenord
login-submit = Logga in
login-failed = Mejladressen eller lösenordet stämmer inte. Kontrollera båda och försök igen.
login-throttled = { $minutes ->
    [one] För många misslyckade inloggningar för den här adressen. Vänta en minut och försök sedan igen.
   *[other] För många misslyckade inloggningar för den här adressen. Vänta { $minutes } minuter och försök sedan igen.
}
login-busy = Inloggningen är mycket belastad just nu. Vänta några sekunder och försök sedan igen.

csrf-title = Formuläret har gått ut
csrf-message = Av säkerhetsskäl går formulär ut när du loggar in igen eller efter en stund. Inget ändrades. Ladda om sidan och försök igen.
csrf-reload = Ladda om sidan
not-found-title = Sidan finns inte
not-found-message = Sidan finns inte, eller så har du inte tillgång till den. Kontrollera beställnings- eller prenumerations-id:t.
error-title = Något gick fel
error-message = Inget ändrades. Försök igen om en stund; om det fortsätter, öppna ett supportärende.
unavailable-title = Databasen är inte tillgänglig
unavailable-message = Portalen når inte sin databas just nu. Inget ändrades. Försök igen om en minut.

orders-title = Beställningar
orders-search = Webbeställnings-id eller prenumerations-id
orders-none = Ditt företag har inga beställningar ännu.
orders-none-found = Inget beställnings- eller prenumerations-id börjar så. Kontrollera id:t och sök igen.
col-order = Webbeställnings-id
col-customer = Kund
col-partner = Partner
col-distributor = Distributör
col-lines = Rader
col-subscription = Prenumerations-id
col-offer = Erbjudande
col-rsd = Begärt startdatum
col-status = Status
col-contact = Etableringskontaktens mejladress
col-actions = Åtgärder
col-when = När
col-type = Transaktionstyp
col-change = Ändring
col-who = Begärd av
ponr-reached-at = Nådd { $when } (organisationen registrerad i Control Hub)
ponr-not-reached = Inte nådd
order-title = Beställning { $id }
order-creator = Lagd av
lines-caption = Orderrader
order-count-awaiting = { $count ->
    [one] 1 rad väntar på information om etablering
   *[other] { $count } rader väntar på information om etablering
}
order-count-closed = { $count ->
    [one] 1 rad stängd
   *[other] { $count } rader stängda
}
order-count-complete = { $count ->
    [one] 1 rad med etablering slutförd
   *[other] { $count } rader med etablering slutförd
}
order-search = Prenumerations-id i den här beställningen
order-search-clear = Visa alla rader från början
order-no-lines = Den här beställningen har inga rader.
order-no-lines-found = Ingen rad i den här beställningen har ett prenumerations-id som börjar så. Kontrollera id:t och sök igen.
order-permission-note = Du har inte behörighet att ändra etableringskontakten för den här beställningen. Be den som lade den: { $name } ({ $email }).
lines-permission-note = Du har inte behörighet att ändra etableringskontakten för några av de här raderna. Be den som lade beställningen; den står på varje rad.

status-awaiting = Väntar på information om etablering
status-closed = Stängd
status-complete = Etablering slutförd
closed-pending = Etableringen väntar fortfarande på att slutföras.

edit-line-label = Redigera etableringskontakten för { $id }
edit-title = Redigera etableringskontakt
edit-intro = Prenumeration { $id }. Etableringskontakten är { $email }.
edit-label = Ny etableringskontakts mejladress
apply-to-all = Tillämpa på alla rader
apply-to-all-hint = { $count ->
    [one] Ändrar också den andra orderraden i beställningen som väntar på information om etablering.
   *[other] Ändrar också de { $count } andra orderraderna i beställningen som väntar på information om etablering.
}
edit-saved = { $count ->
    [one] Etableringskontakten har ändrats till { $email } på 1 rad.
   *[other] Etableringskontakten har ändrats till { $email } på { $count } rader.
}
edit-unchanged = Etableringskontakten är redan { $email }. Inget ändrades.
edit-blocked-ponr = Etableringen fortsätter i administrationskonsolen: PONR är nådd.
edit-blocked-closed = Raden är stängd. Ändra den på sidan Cloud/SaaS-prenumerationer.
edit-blocked-complete = Etableringen är slutförd: det finns inget att ändra.
edit-blocked-permission = Be { $name } ({ $email }), som lade beställningen.

email-error-empty = Ange etableringskontaktens mejladress.
email-error-too-long = En mejladress har högst 254 tecken.
email-error-local-too-long = Delen före @ har högst 64 tecken.
email-error-not-one = Ange bara en mejladress, till exempel namn@example.com, utan namn eller andra adresser.
email-error-invalid = Ange en mejladress i rätt format, till exempel namn@example.com.

refusal-permission-title = Du kan inte ändra den här beställningen
refusal-permission = Bara den som lade beställningen eller en användare med redigeringsbehörighet kan ändra etableringskontakten. Be { $name } ({ $email }).
refusal-ponr-title = Point of no return (PONR) är nådd
refusal-ponr = Kundens organisation är redan registrerad i Control Hub, så etableringskontakten kan inte längre ändras och mejlet kan inte skickas igen. Etableringskontakten eller kundens administratör kan logga in i administrationskonsolen direkt och slutföra etableringen.
refusal-ponr-link = Öppna administrationskonsolen
refusal-closed-title = Raden är stängd
refusal-closed = Raden stängdes innan etableringen var klar, så etableringen väntar fortfarande. Ändra etableringskontakten eller skicka mejlet igen från sidan Cloud/SaaS-prenumerationer.
refusal-complete-title = Etableringen är slutförd
refusal-complete = Kunden har slutfört etableringen för den här raden. Det finns inget att ändra.
refusal-stale-title = Någon ändrade raden under tiden
refusal-stale = { $name } ändrade raden efter att du öppnade formuläret. Etableringskontakten är nu { $email }. Kontrollera och redigera igen om det behövs.
refusal-stale-link = Redigera igen

history-title = Radens historik
history-heading = Historik för { $id }
history-none = Inga ändringar ännu.
history-older = Äldre ändringar
kind-provisioning_email_update = Uppdatering av etableringsmejl
kind-provisioning_email_resend = Nytt utskick av etableringsmejl
kind-provisioning_email_reminder = Påminnelse om etableringsmejl
tx-status-in_progress = Pågår
tx-status-success = Lyckades
tx-status-failed = Misslyckades

email-subject = Information om etablering krävs för beställning { $order }
email-greeting = Hej { $customer },
email-intro = Er partner { $partner } har beställt de här molnprenumerationerna åt er med beställning { $order }. Slutför etableringen för att börja använda dem:
email-action = Logga in och slutför etableringen av tjänsterna här:
email-allowlist = Mejlet kommer från { $sender }: be er IT-administratör att tillåta adressen, så att meddelanden från den inte hamnar i skräppost.
email-spam = Om ni inte hittar ett tidigare etableringsmejl, titta i mappen för skräppost.
email-reminder-subject = Påminnelse: slutför etableringen av beställning { $order } före { $date }
email-reminder-intro = Etableringen av de här prenumerationerna på beställning { $order } är ännu inte slutförd. Var och en stängs vid tiden som står bredvid den; då börjar faktureringen. Slutför etableringen före dess:
email-line-closes = stängs { $date }
email-copy-subject = Kopia: { $subject }
email-copy-note = Det här är en kopia av etableringsmejlet för beställning { $order }, skickad till dig på din begäran så att du kan vidarebefordra den till kunden. Länken för etablering innehåller inga inloggningsuppgifter: den är adminkonsolens adress.

resend = Skicka igen
resend-line-label = Skicka igen etableringsmejlet för { $id }
resend-title = Skicka etableringsmejlet igen
resend-question = Skicka etableringsmejlet för { $id } igen till { $email }?
resend-yes = Ja, skicka igen
resend-allowlist = Mejlet kommer från { $sender }. Be kundens IT-administratör att tillåta adressen så att mejlet inte hamnar i skräppost.
resend-spam = Be också etableringskontakten att titta i mappen för skräppost.
resend-sent = Etableringsmejlet till { $email } står i kö för att skickas igen; raden visar när mejlservern har svarat. Det kommer från { $sender }; be kontakten titta i skräpposten om det inte kommer fram.
resend-all-label = Skicka för alla orderrader i beställningen
resend-all-offer = { $lines ->
    [one] En orderrad, till { $recipients }: ett mejl per mottagare.
   *[other] { $lines } orderrader, till { $count ->
        [one] { $recipients }
       *[other] { $count } mottagare: { $recipients }
    }. Ett mejl per mottagare, med just den mottagarens orderrader.
}
resend-all-more = { $count ->
    [one] och en till
   *[other] och { $count } till
}
resend-all-sent = { $lines ->
    [one] Etableringsmejlet för en orderrad till { $recipients } står i kö för att skickas igen.
   *[other] Etableringsmejlet för { $lines } orderrader står i kö för att skickas igen, ett mejl till var och en av { $recipients }.
} Raderna visar när mejlservern har svarat. Det kommer från { $sender }; be kontakterna att titta i skräppostmappen om det inte kommer fram.
copy-to-me = Skicka en kopia till mig
copy-to-me-hint = En kopia av etableringsmejlet går till din egen adress, { $email }, så att du kan vidarebefordra den. Den anger att den är en kopia och räknas mot mejlgränserna för din adress.
copy-sent = En kopia har skickats till dig på { $email }.
copy-nothing = Ingen kopia skickades: inget etableringsmejl går ut nu (det går ut på det begärda startdatumet).
copy-dropped = { $minutes ->
    [one] Kopian till { $email } skickades inte: din adress har fått så många mejl som tillåts just nu. Du kan be om nästa om en minut.
   *[other] Kopian till { $email } skickades inte: din adress har fått så många mejl som tillåts just nu. Du kan be om nästa om { $minutes } minuter.
}
resend-blocked-not-yet = Det första mejlet skickas { $date }.
refusal-not-yet-title = Det första mejlet har inte skickats ännu
refusal-not-yet = Etableringsmejlet skickas automatiskt på det begärda startdatumet, { $date } (från 00:00 UTC). Från och med då kan du skicka det igen.
refusal-limit-title = För många mejl för den här raden
refusal-limit = { $minutes ->
    [one] Raden eller adressen har fått så många etableringsmejl som tillåts just nu, så att ingen inkorg översvämmas. Du kan skicka nästa om en minut.
   *[other] Raden eller adressen har fått så många etableringsmejl som tillåts just nu, så att ingen inkorg översvämmas. Du kan skicka nästa om { $minutes } minuter.
}
email-state-queued = Etableringsmejl till { $email } i kö.
email-state-sent = Etableringsmejl till { $email } accepterat av mejlservern { $when }.
email-state-failed = Etableringsmejlet till { $email } skickades inte. { $reason }
email-state-not-yet = Etableringsmejlet skickas { $date }.
edit-emailed = Etableringsmejlet till { $email } står i kö och skickas nu; raden visar när mejlservern har svarat. Den tidigare adressen har redan fått en länk för etablering: säg till kunden om den inte ska användas.
edit-on-rsd = Etableringsmejlet går till { $email } på det begärda startdatumet.
tx-detail-on-rsd = Sparat; mejlet skickas på det begärda startdatumet.
tx-detail-accepted = Accepterat av mejlservern (svar { $code }).
tx-detail-accepted-id = Accepterat av mejlservern (svar { $code }, referens { $id }).
tx-detail-mailbox = Sparat i filbrevlådan som { $file }.
delivery-failed-unreachable = Portalen kunde inte nå sin mejlserver, så mejlet skickades inte. Det är inte fel på adressen: be operatörerna i ett supportärende att kontrollera mejlservern och skicka det igen.
delivery-failed-address-refused = Mejlservern nekade den här adressen ({ $code }). Kontrollera adressen och redigera den; om den stämmer, fråga operatörerna i ett supportärende.
delivery-failed-refused = Mejlservern nekade mejlet ({ $code }). Fråga operatörerna i ett supportärende: de ser varför och kan skicka det igen.
delivery-failed-invalid-address = Den här adressen kan inte ta emot mejl. Kontrollera den och redigera den.
delivery-failed-portal = Portalen kunde inte förbereda mejlet. Be operatörerna i ett supportärende att skicka det igen.
delivery-no-code = ingen kod
tm-technical = Teknisk detalj

mailbox-title = Brevlåda
mailbox-intro = Demon skriver etableringsmejlen till filbrevlådan i stället för att skicka dem. Nyast först.
mailbox-empty = Inga meddelanden ännu.

closes-in-days = { $days ->
    [one] Stängs om 1 dag ({ $when }); faktureringen börjar då.
   *[other] Stängs om { $days } dagar ({ $when }); faktureringen börjar då.
}
closes-in-hours = { $hours ->
    [one] Stängs om 1 timme ({ $when }); faktureringen börjar då.
   *[other] Stängs om { $hours } timmar ({ $when }); faktureringen börjar då.
}
closed-at = Stängd { $when }; faktureringen började då.
nav-subscriptions = Cloud/SaaS-prenumerationer
subscriptions-title = Cloud/SaaS-prenumerationer
subscriptions-pending-only = Bara de vars etablering väntar
subscriptions-closing-within = Stängs inom (dagar)
subscriptions-closing-invalid = Ange ett antal dagar från 1 till 365.
subscriptions-none = Ingen prenumeration matchar. Kontrollera id:t eller rensa filtren.

nav-transactions = Transaktionshanteraren
tm-title = Transaktionshanteraren
tm-type = Transaktionstyp
tm-any = Alla
tm-from = Från
tm-to = Till
tm-csv = Ladda ned raderna som CSV
tm-none = Ingen transaktion matchar. Kontrollera id:t eller rensa filtren.
tm-retry = Försök leverera igen
tm-invalid-filter = Kontrollera filtren: en typ, status eller ett datum är inte känt för transaktionshanteraren.
tm-retried = Mejlet skickas igen; transaktionen pågår.
tm-not-failed = Bara en misslyckad leverans kan försökas igen.
tx-detail-retry = Nytt försök begärt av { $name }.
csv-id = id
csv-when = skapad (UTC)
csv-type = typ
csv-subscription = prenumeration
csv-order = beställning
csv-old = tidigare värde
csv-new = nytt värde
csv-who = begärd av
csv-status = status
csv-detail = detaljer
tm-retry-operators = Bara operatörer försöker leverera igen. Öppna ett supportärende om en ändring fortsätter att misslyckas.

nav-cases = Ärenden
cases-title = Supportärenden
cases-intro = Om en ändring fortsätter att misslyckas före PONR, öppna ett ärende från radens historik; operatörerna tar hand om det.
cases-none = Inga ärenden.
case-request-type = Typ av begäran
case-type-change_contact = Ändra etableringskontaktens mejladress
case-type-resend_email = Skicka etableringsmejlet igen
case-status-open = Öppet
case-status-in_progress = Pågår
case-status-resolved = Löst
case-description = Beskrivning
case-note = Anteckning
case-attachments = Skärmbilder (upp till 3 PNG- eller JPEG-filer, högst 5 MB var)
case-submit = Öppna ärendet
case-new-title = Öppna ett supportärende
case-new-intro = Gäller prenumeration { $id } i beställning { $order }.
case-opened = Ärende { $id } är öppnat. Operatörerna tar hand om det; du ser dess status på den här sidan.
case-updated = Ärende { $id } har uppdaterats.
case-operators-only = Bara operatörer arbetar med ärenden.
case-error-type = Välj typ av begäran.
case-error-description = Beskriv vad som hände med högst 4000 tecken.
case-error-not-image = Skärmbilder måste vara PNG- eller JPEG-bilder.
case-error-too-large = En skärmbild får vara högst 5 MB.
case-error-body-too-large = Uppladdningen är för stor: högst tre skärmbilder på 5 MB vardera.
case-limit = { $count ->
    [one] Du kan öppna ett supportärende per dag. Vänta till i morgon eller lägg till i ärendet du öppnade.
   *[other] Du kan öppna { $count } supportärenden per dag. Vänta en stund eller lägg till i ett ärende du öppnade.
}
case-error-too-many = Bifoga högst 3 skärmbilder.
case-error-status = Välj öppet, pågår eller löst, och håll anteckningen under 4000 tecken.
open-case = Öppna ett ärende
api-unauthorized-title = Inte behörig
api-unauthorized = Skicka en giltig API-token för ditt företag som "Authorization: Bearer <token>". En återkallad eller utgången token, eller en vars skapare har inaktiverats, nekas.
api-rate-limit-title = För många förfrågningar
api-rate-limit = { $seconds ->
    [one] Den här token har gjort så många förfrågningar som tillåts just nu. Försök igen om en sekund.
   *[other] Den här token har gjort så många förfrågningar som tillåts just nu. Försök igen om { $seconds } sekunder.
}
api-invalid-request-title = Ogiltig förfrågan
api-invalid-email-title = Ogiltig mejladress
api-body-unreadable = Förfrågans innehåll kunde inte läsas.
api-too-large-title = För stor förfrågan
api-too-large = Förfrågans innehåll får vara högst { $kilobytes } kB.
api-idempotency-key-invalid = Rubriken Idempotency-Key måste vara 1 till 255 synliga tecken.
api-idempotency-mismatch = Den här Idempotency-Key användes de senaste 24 timmarna med ett annat innehåll. Använd en ny nyckel för en ny förfrågan.
api-idempotency-in-progress = En förfrågan med den här Idempotency-Key pågår fortfarande. Försök igen strax med samma nyckel.
api-unsupported-media-type-title = Medietypen stöds inte
api-unsupported-media-type = Skicka förfrågans innehåll som JSON, med "Content-Type: application/json".
api-method-not-allowed-title = Metoden är inte tillåten
api-method-not-allowed = Den här sökvägen tar bara emot { $allow }.
tokens-title = API-token
tokens-intro = Partnersystem använder de här token för att läsa order och, med skrivbehörighet, ändra etableringskontakter och skicka mejlet igen via API:t. En token visas bara en gång, när den skapas.
tokens-name = Namn
tokens-scope = Behörighet
tokens-scope-read = Läsa: order, rader och transaktioner
tokens-scope-write = Skriva: även ändra kontakter och skicka mejlet igen
tokens-create = Skapa token
tokens-created = Token "{ $name }" har skapats. Kopiera den nu: den visas bara den här gången och kan inte visas igen.
tokens-created-by = Skapad av
tokens-created-at = Skapad
tokens-last-used = Senast använd
tokens-never = Aldrig
tokens-status = Status
tokens-active = Aktiv
tokens-revoked-at = Återkallad { $when }
tokens-revoke = Återkalla
tokens-revoked = Token återkallad. Förfrågningar med den nekas från och med nu.
tokens-none = Inga API-token ännu.
tokens-invalid = Ge token ett namn (högst 100 tecken) och välj läsa eller skriva.
tokens-forbidden = Bara företagets administratörer kan hantera dess API-token.
tokens-prefix = Prefix
tokens-prefix-unknown = Okänt prefix: token skapades innan prefix sparades
tokens-expires = Upphör
tokens-expired = Har upphört
tokens-lifetime = Gäller i
tokens-days = { $days ->
    [one] 1 dag
   *[other] { $days } dagar
}
tokens-already-created = Det här formuläret har redan skickats: det skapade token "{ $name }" då, och inget nytt nu. Hemligheten visades bara den gången; om den inte kopierades, återkalla token och skapa en ny.
tokens-too-many = Företaget har redan { $max ->
    [one] 1 giltig API-token
   *[other] { $max } giltiga API-token
}, det högsta antalet. Återkalla en innan du skapar en ny.
tokens-invalid-expiry = Välj hur länge token ska gälla: 30, 90 eller 365 dagar.
tokens-invalid-form = Formuläret kunde inte läsas. Ladda om sidan och försök igen.

# Company admins (issue 12)
nav-company = Företag
company-nav-label = Företag
company-nav-users = Användare
company-title = Företag: { $company }
company-users-heading = Användare
company-col-name = Namn
company-col-email = Mejladress
company-col-can-edit = Redigeringsbehörighet
company-col-admin = Företagsadministratör
company-col-active = Aktiv
company-col-last-sign-in = Senaste inloggning
company-col-actions = Åtgärder
yes = Ja
no = Nej
company-invited = Inbjuden, inget lösenord ännu
company-never = Aldrig
company-grant-edit = Ge redigeringsbehörighet
company-revoke-edit = Ta bort redigeringsbehörighet
company-make-admin = Gör till administratör
company-unmake-admin = Ta bort som administratör
company-deactivate = Inaktivera
company-deactivate-revokes = Inaktivering återkallar också { $count ->
    [one] 1 API-token
   *[other] { $count } API-token
} som användaren har skapat.
company-tokens-revoked = { $count ->
    [one] 1 API-token som användaren skapat har återkallats.
   *[other] { $count } API-token som användaren skapat har återkallats.
}
company-reactivate = Aktivera igen
company-invite-heading = Bjud in en användare
company-invite-hint = Vi mejlar en länk för att välja lösenord. Länken fungerar en gång, i 72 timmar.
company-invite-submit = Skicka inbjudan
error-summary-title = Något behöver rättas
company-forbidden-title = Du kan inte hantera det här företaget
company-forbidden = Bara företagets administratörer hanterar dess användare. Be någon av dem.
company-invite-name-error = Ange personens namn (högst 200 tecken).
company-invite-email-empty = Ange mejladressen som ska bjudas in.
company-invited-message = Inbjudan skickad till { $email }.
company-invite-exists = Mejladressen har redan ett konto. Välj en annan adress.
company-change-invalid = Välj på eller av.
company-changed = Ändringarna för { $name } ({ $email }) har sparats.
company-last-admin = Företaget skulle inte ha någon aktiv administratör kvar: den sista administratören kan inte tas bort eller inaktiveras, av någon. Gör någon annan till administratör först.
ask-company-admins = Du kan också be företagets administratörer: { $admins }.
kind-permission_change = Behörighetsändring
perm-invited = Bjöd in { $name }
perm-can-edit-on = Redigeringsbehörighet given
perm-can-edit-off = Redigeringsbehörighet borttagen
perm-admin-on = Gjord till företagsadministratör
perm-admin-off = Inte längre företagsadministratör
perm-active-on = Aktiverad igen
perm-active-off = Inaktiverad
invitation-title = Välj ditt lösenord
invitation-intro = Välkommen, { $name }. Välj ett lösenord för { $email } för att logga in i portalen för { $company }.
invitation-password = Nytt lösenord
invitation-password-hint = Minst 12 tecken. En fras med några ord är lätt att minnas och svår att gissa.
invitation-password-confirm = Skriv lösenordet igen
invitation-submit = Spara lösenord
invitation-too-short = Använd minst 12 tecken.
invitation-too-long = Använd högst 256 tecken.
invitation-guessable = Lösenordet är för lätt att gissa: det är vanligt, eller byggt av ditt namn eller din adress. En fras av några orelaterade ord fungerar bra.
invitation-mismatch = Lösenorden är inte likadana. Skriv dem igen.
invitation-done = Ditt lösenord är sparat. Logga in med din mejladress och det nya lösenordet.
invitation-gone-title = Länken fungerar inte längre
invitation-gone = Inbjudningslänken har redan använts eller är äldre än 72 timmar. Be företagets administratör om en ny inbjudan, eller logga in om du redan valt lösenord.
invite-email-subject = Du är inbjuden till { $company } i Provisio
invite-email-greeting = Hej { $name },
invite-email-intro = { $inviter } har bjudit in dig till partnerportalen Provisio för { $company }.
invite-email-action = Välj ditt lösenord här:
invite-email-expiry = Länken fungerar en gång, i 72 timmar. Om du inte väntade dig mejlet kan du bortse från det.
# Bulk fix
bulk-link = Rätta många rader
bulk-title = Rätta många rader
bulk-intro = Ladda upp en CSV-fil med kolumnerna subscription_id och new_contact_email (UTF-8, komma- eller semikolonseparerad, högst { $max ->
    [one] 1 rad
   *[other] { $max } rader
} och 2 MB; andra kolumner ignoreras). Du ser vad som händer med varje rad innan något ändras.
bulk-template = Ladda ned dina rader som fortfarande kan rättas (CSV)
bulk-file = CSV-fil
bulk-file-hint = Första raden namnger kolumnerna. Varje rad ändrar etableringskontakten för en prenumeration.
bulk-upload = Ladda upp och förhandsgranska
bulk-uploading = Laddar upp och kontrollerar filen…
bulk-back = Tillbaka till Cloud/SaaS-prenumerationer
bulk-error-title = Filen kan inte läsas
bulk-error-at-column = Rad { $row }, kolumn { $column }: { $reason }
bulk-error-at-row = Rad { $row }: { $reason }
bulk-error-no-column = filen behöver kolumnerna { $subscription } och { $email } på första raden.
bulk-error-too-many = filen har fler än { $max ->
    [one] 1 rad
   *[other] { $max } rader
}. Dela upp den i mindre filer.
bulk-error-missing = raden har inget värde i den här kolumnen.
bulk-error-utf8 = texten är inte UTF-8. Spara filen som "CSV UTF-8" och ladda upp den igen.
bulk-error-character = texten innehåller ett tecken som inte är tillåtet.
bulk-error-empty = filen har inga rader under den första.
bulk-error-unreadable = raden kan inte läsas som CSV.
bulk-error-too-large = Filen är större än 2 MB. Dela upp den i mindre filer. Ingenting ändrades.
bulk-batch-title = Massrättning { $id }
bulk-preview-note = Förhandsgranskning: ingenting har ändrats ännu.
bulk-applied-at = Genomförd { $when }.
bulk-counts = Rader per utfall
bulk-apply = Genomför ändringarna
bulk-applying = Genomför ändringarna…
bulk-applied = Massrättningen genomfördes. Varje rad visar vad som hände med den.
bulk-already-applied-title = Redan genomförd
bulk-already-applied = Den här massrättningen har redan genomförts. Ingenting mer ändrades. Ladda upp en ny fil för att rätta fler rader.
bulk-outcome-csv = Ladda ned utfallet för varje rad (CSV)
bulk-another = Ladda upp en annan fil
bulk-rows = Filens rader
bulk-col-row = Rad
bulk-col-current = Nuvarande kontakt
bulk-col-new = Ny kontakt
bulk-col-result = Utfall
bulk-unnamed = (fil utan namn)
bulk-preview-kept = Om den inte genomförs raderas den { $when }.
bulk-outcome-kept = Utfallet sparas till { $when }.
bulk-earlier = Dina tidigare uppladdningar
bulk-earlier-hint = En förhandsgranskning som inte genomförs raderas av sig själv, liksom en genomförd fils utfall efter en tid. Du kan ha högst { $max ->
    [one] 1 förhandsgranskning
   *[other] { $max } förhandsgranskningar
} samtidigt.
bulk-col-file = Fil
bulk-col-uploaded = Uppladdad
bulk-col-rows = Rader
bulk-col-state = Läge
bulk-col-actions = Åtgärder
bulk-state-preview = Förhandsgranskning, inte genomförd: raderas { $until }
bulk-state-applied = Genomförd { $when }; utfallet sparas till { $until }
bulk-state-purged = Genomförd { $when }; detaljerna sparas inte längre
bulk-open = Öppna den
bulk-discard = Släng förhandsgranskningen
bulk-discard-short = Släng
bulk-discard-named = Släng förhandsgranskningen { $file }
bulk-discarded = Förhandsgranskningen { $file } slängdes. Ingenting ändrades.
bulk-discard-applied = Den här massrättningen har genomförts och kan inte slängas. Utfallet sparas en tid och raderas sedan av sig självt.
bulk-quota-title = För många förhandsgranskningar
bulk-quota = Du har redan { $max ->
    [one] 1 förhandsgranskning som inte har genomförts
   *[other] { $max } förhandsgranskningar som inte har genomförts
}. Genomför eller släng en innan du laddar upp en ny fil. Den här filen sparades inte.
bulk-quota-oldest = Den äldsta är { $file }, uppladdad { $when }.
bulk-purged-title = Detaljerna sparas inte längre
bulk-purged = Massrättning { $id } ({ $file }) genomfördes { $when }. Varje rads utfall sparas bara en tid efter genomförandet och har raderats. Ändringarna den gjorde finns kvar i Transaktionshanteraren, märkta "Massrättning { $id }".
bulk-result-change = Ändras
bulk-result-unchanged = Oförändrad
bulk-result-not_found = Hittades inte
bulk-result-no_permission = Behörighet saknas
bulk-result-ponr = PONR har nåtts
bulk-result-complete = Etablering slutförd
bulk-result-invalid = Ogiltig adress
bulk-result-duplicate = Dubblett
bulk-result-limit = För många mejl
bulk-result-done = Ändrad
bulk-reason-change = Från { $old } till { $new }.
bulk-reason-done = Ändrad från { $old } till { $new }.
bulk-reason-emails-now = Den nya kontakten får etableringsmejlet nu.
bulk-reason-emails-on-rsd = Mejlet skickas på det begärda startdatumet.
bulk-reason-unchanged = Etableringskontakten är redan den här adressen.
bulk-reason-not_found = Det finns ingen prenumeration med detta id som du kan se. Kontrollera id:t.
bulk-reason-no_permission = Du har inte behörighet att ändra etableringskontakten för den här beställningen. Fråga personen som lade den.
bulk-reason-ponr = PONR har nåtts: etableringskontakten eller administratören slutför konfigurationen i administratörskonsolen.
bulk-reason-complete = Etableringen är slutförd: det finns ingenting att ändra.
bulk-reason-duplicate = Den här prenumerationen finns på en tidigare rad i filen; bara den raden räknas.
bulk-reason-limit = För många etableringsmejl till den här raden eller adressen just nu. Försök med raden igen senare.
tx-detail-bulk = Massrättning { $id }
upload-not-a-form = Skicka formuläret som multipart/form-data (sidans eget formulär gör det).
form-too-large = Formuläret är större än någon sida i portalen skickar.
preview-title = Mejlet som skickas:
preview-when-now = Det skickas så snart du bekräftar.
preview-when-rsd = Det skickas { $date }, det begärda startdatumet.
preview-limit-line = { $minutes ->
    [one] Raden har redan fått så många mejl som tillåts just nu, så ett mejl nu skulle nekas. Nästa ryms om en minut.
   *[other] Raden har redan fått så många mejl som tillåts just nu, så ett mejl nu skulle nekas. Nästa ryms om { $minutes } minuter.
}
preview-limit-address = { $minutes ->
    [one] { $email } har redan fått så många mejl som tillåts just nu, så ett mejl nu skulle nekas. Nästa ryms om en minut.
   *[other] { $email } har redan fått så många mejl som tillåts just nu, så ett mejl nu skulle nekas. Nästa ryms om { $minutes } minuter.
}

## Delivery truth: bounces and delays (docs/product.md rule 14)
tx-status-bounced = Studsade
tx-status-delayed = Försenad
email-state-bounced = Etableringsmejlet till { $email } studsade: { $reason }. Rätta adressen så skickas mejlet igen.
email-state-delayed = Etableringsmejlet till { $email } är försenat: { $reason }
bounce-fix-address = Rätta adressen
bounce-no-report = ingen rapport
bounce-reason-no-such-address = Kundens mejlserver säger att adressen inte finns ({ $code })
bounce-reason-no-such-domain = Adressens domän finns inte eller tar inte emot mejl ({ $code })
bounce-reason-mailbox-full = Kundens brevlåda är full ({ $code })
bounce-reason-mailbox-disabled = Kundens mejlserver säger att brevlådan är avstängd ({ $code })
bounce-reason-too-large = Kundens mejlserver avvisade mejlet som för stort ({ $code })
bounce-reason-refused-policy = Kundens mejlserver avvisade mejlet enligt sina regler, till exempel som skräppost ({ $code })
bounce-reason-no-route = Kundens mejlserver gick inte att nå i tid ({ $code })
bounce-reason-refused = Kundens mejlserver avvisade mejlet ({ $code })
bounce-reason-no-report = Kundens mejlserver skickade tillbaka mejlet utan att säga varför ({ $code })
bounce-reason-delayed = Kundens mejlserver har inte tagit emot mejlet än; leveransen försöks fortfarande ({ $code })
bounce-alert-subject = Etableringsmejlet för beställning { $order } till { $email } studsade
bounce-alert-intro = Etableringsmejlet för beställning { $order } ({ $customer }) nådde inte kunden.
bounce-alert-address = Kundens mejlserver skickade tillbaka det från { $email }:
bounce-alert-action = Öppna raden, rätta adressen så skickas mejlet igen.

# Needs attention
nav-attention = Behöver åtgärd
attention-title = Behöver åtgärd
attention-intro = Raderna som behöver någon nu. Åtgärda dem här: Redigera och Skicka igen fungerar som på prenumerationssidan.
attention-counts-label = Rader per orsak
attention-company = Företag
attention-every-company = Alla företag
attention-reason = Orsak
attention-every-reason = Alla orsaker
attention-show = Visa
attention-none = Inget behöver åtgärdas nu.
attention-none-here = Ingen rad av den orsaken. Välj en annan orsak ovan.
attention-kind-closing-soon = Stängs inom 7 dagar
attention-kind-bounced = Mejlet studsade
attention-kind-failed = Mejlet misslyckades
attention-kind-delayed = Mejlet försenat
attention-kind-pending = Stängd, väntar fortfarande
attention-kind-case-answered = Ärende besvarat
attention-reason-closing = Stängs inom 7 dagar och etableringen är inte klar; faktureringen börjar då.
attention-reason-bounced = Kundens mejlserver skickade tillbaka etableringsmejlet. Kontrollera adressen och redigera den, så skickas mejlet igen.
attention-reason-delayed = Kundens mejlserver har inte tagit emot etableringsmejlet än och försöker fortfarande. Kontrollera adressen.
attention-reason-failed = Etableringsmejlet kunde inte levereras. Kontrollera adressen och redigera den, eller fråga operatörerna i ett supportärende.
attention-reason-case = Operatörerna har besvarat ett supportärende om den här raden.
attention-open-cases = Läs ärendet

# The email the customer got
nav-mailbox = Brevlåda
mailbox-invitation = Inbjudan att välja lösenord
email-view-link = Mejlet
email-view-subject = Ämne
email-view-from = Från
email-view-to = Till
email-view-cc = Kopia till
email-view-queued = Köat
email-view-accepted-at = Godkänt av mejlservern
email-view-status = Leverans
email-view-lines = Rader
email-view-body = Mejlet som mottagaren ser det
email-view-body-hint = Visas som det skickades, på beställningens språk. Länkarna i det fungerar inte här.
email-view-frame-title = Mejlet: { $subject }
email-view-text = Versionen i ren text
email-view-state-queued = Köat
email-view-state-in-progress = Pågår
email-view-state-accepted = Godkänt
email-view-state-failed = Misslyckades
email-view-state-bounced = Studsade
email-view-state-delayed = Försenat
email-view-note-queued = Inte skickat än; det går ut inom några sekunder.
email-view-note-bounced = Mottagarens mejlserver skickade tillbaka det. Kontrollera adressen och redigera den.
email-view-note-delayed = Mottagarens mejlserver har inte tagit emot det än och försöker fortfarande.
email-view-accepted = Mejlservern godkände det { $when }. Om det nådde inkorgen kan bara mottagaren avgöra: be hen titta i skräpposten också.
email-view-failed = Det kunde inte levereras. { $reason }
email-view-retrying = { $attempts ->
    [one] Mejlservern har inte godkänt det efter 1 försök; det försöks igen.
   *[other] Mejlservern har inte godkänt det efter { $attempts } försök; det försöks igen.
}

## The Company pages, API tokens and earlier bulk fixes (a partner's day: the walk's pages)
tokens-forbidden-title = Du kan inte hantera företagets API-token
tokens-scope-read-short = Läsa
tokens-scope-write-short = Skriva
tokens-api-document-intro = Partnersystem byggs efter API:ets beskrivning:
tokens-api-document = OpenAPI-dokumentet (JSON)
tokens-revoke-named = Återkalla token { $name }
company-nav-tokens = API-token
company-pick = Företag
company-pick-label = Välj företaget att hantera
company-pick-submit = Visa
company-operator-edits = Operatör: får ändra alla företags rader
company-operator-manages = Operatör: hanterar alla företags användare och API-token
bulk-col-before = Kontakt före
bulk-earlier-everyone = Allas tidigare uppladdningar
bulk-col-uploader = Uppladdad av
bulk-template-closed-pending = Stängd, etableringen väntar fortfarande
bulk-template-hint = Filen listar dina rader som väntar på etablering och de som stängts medan etableringen fortfarande väntar (status "Stängd, etableringen väntar fortfarande", pending true): båda kan fortfarande rättas.
## Strong sign-in (docs/product.md rule 15)
nav-security = Kontosäkerhet
kind-security_change = Säkerhetsändring
security-totp-on = Engångskoder påslagna
security-totp-off = Engångskoder avstängda
security-recovery-renewed = Nya återställningskoder skapade; de gamla fungerar inte längre
security-recovery-used = En återställningskod användes för att logga in
security-passkey-added = Nyckeln ”{ $name }” lades till
security-passkey-removed = Nyckeln ”{ $name }” togs bort
security-session-ended = En av dina sessioner loggades ut
security-sessions-ended = { $count ->
    [one] 1 annan session loggades ut
   *[other] { $count } andra sessioner loggades ut
}
security-email-subject = Din inloggning i Provisio har ändrats
security-email-intro = Det här har ändrats i hur du loggar in i Provisio:
security-email-action = Dina andra faktorer och sessioner finns här:
security-email-not-you = Om det inte var du: logga in, ta bort det du inte känner igen och säg till din företagsadministratör.
account-security-title = Kontosäkerhet
account-security-intro = En andra faktor skyddar ditt konto även om någon annan får veta ditt lösenord.
account-security-required = Din roll kräver en andra faktor. Lägg till en här för att fortsätta: tills dess visar portalen bara den här sidan.
account-totp-title = Engångskoder
account-totp-on = På: efter lösenordet frågar inloggningen efter den sexsiffriga koden i din autentiseringsapp.
account-totp-off = Av.
account-totp-start = Slå på engångskoder
account-totp-scan = Skanna QR-koden med en autentiseringsapp eller skriv in nyckeln för hand. Ange sedan koden som appen visar.
account-totp-secret = Nyckel
account-totp-qr = QR-kod med nyckeln för din autentiseringsapp
account-totp-code = Den sexsiffriga koden som appen visar nu
account-totp-confirm = Slå på engångskoder
account-totp-remove = Stäng av engångskoder
account-recovery-title = Återställningskoder
account-recovery-intro = Varje återställningskod loggar in dig en gång när du inte har din autentiseringsapp till hands.
account-recovery-left = { $count ->
    [one] 1 återställningskod kvar.
   *[other] { $count } återställningskoder kvar.
}
account-recovery-none = Återställningskoder följer med engångskoderna.
account-recovery-new = Skapa nya återställningskoder
account-recovery-show = Dina återställningskoder. Spara dem på ett säkert ställe nu: de visas bara den här gången. Varje kod fungerar en gång.
account-totp-wrong = Koden stämmer inte. Kontrollera att telefonens klocka går rätt och ange den senaste koden.
account-totp-removed = Engångskoderna är avstängda.
account-totp-now-on = Engångskoderna är påslagna.
account-recovery-made = Nya återställningskoder är skapade; de gamla fungerar inte längre.
second-factor-title = Inloggningens andra steg
second-factor-intro = Ange den sexsiffriga koden i din autentiseringsapp eller en av dina återställningskoder.
second-factor-code = Kod
second-factor-submit = Fortsätt
second-factor-wrong = Koden stämmer inte eller har redan använts. Ange den senaste koden.
second-factor-expired = Inloggningen tog för lång tid. Logga in igen.
second-factor-restart = Logga in igen
confirm-title = Bekräfta att det är du
confirm-intro = Ändringen kräver en ny kontroll: din senaste var för mer än 10 minuter sedan.
confirm-code = Engångskod eller återställningskod
confirm-password = Ditt lösenord
confirm-submit = Bekräfta
confirm-wrong = Det stämmer inte. Försök igen.
confirm-done = Bekräftat. Ändringar kräver ingen ny kontroll de närmaste 10 minuterna.

# Lösennycklar (kontosäkerhet och inloggning)
login-passkey-title = Eller använd en lösennyckel
login-passkey = Logga in med lösennyckel
passkeys-title = Lösennycklar
passkeys-intro = Med en lösennyckel loggar du in med enhetens skärmlås eller en säkerhetsnyckel i stället för ett lösenord. Den kan inte nätfiskas eller återanvändas på en annan webbplats.
passkeys-none = Du har inga lösennycklar än.
passkeys-name = Namn
passkeys-added = Tillagd
passkeys-last-used = Senast använd
passkeys-never-used = Inte använd än
passkeys-actions = Åtgärder
passkeys-remove = Ta bort
passkeys-new-name = Namn på den nya lösennyckeln (till exempel "Jobbdatorn")
passkeys-add = Lägg till en lösennyckel
passkeys-working = Följ webbläsarens anvisningar…
passkeys-need-javascript = Lösennycklar kräver JavaScript. Slå på det i webbläsaren för att lägga till eller använda en; allt annat fungerar utan.
passkeys-unsupported = Den här webbläsaren kan inte använda lösennycklar. Använd en aktuell version av Chrome, Edge, Firefox eller Safari.
passkeys-off = Lösennycklar är inte tillgängliga på portalens adress. Be din administratör att köra portalen under ett domännamn.
passkeys-unavailable = Lösennycklar är inte tillgängliga på portalens adress.
passkeys-name-missing = Ge lösennyckeln ett namn, så att du kan skilja den från andra senare.
passkeys-name-long = { $max ->
    [one] Namnet får vara högst 1 tecken långt.
   *[other] Namnet får vara högst { $max } tecken långt, utan radbrytningar.
}
passkeys-too-many = { $max ->
    [one] Du har 1 lösennyckel, det högsta antal ett konto får ha. Ta bort den för att lägga till en annan.
   *[other] Du har { $max } lösennycklar, det högsta antal ett konto får ha. Ta bort en för att lägga till en annan.
}
passkeys-expired = Det tog för lång tid, eller så var sidan öppen i en annan flik. Försök igen.
passkeys-failed = Lösennyckeln kunde inte läggas till. Försök igen; om det fortsätter att misslyckas, prova en annan enhet eller säkerhetsnyckel.
passkeys-duplicate = Den här enheten har redan en lösennyckel för ditt konto.
passkeys-cancelled = Frågan om lösennyckel avbröts eller tog för lång tid. Inget ändrades.
passkeys-sign-in-failed = Den lösennyckeln loggade inte in dig. Den kan ha tagits bort från ditt konto; logga in med ditt lösenord i stället.
passkeys-saved = Lösennyckeln "{ $name }" har lagts till. Nu kan du logga in med den.
passkeys-removed = Lösennyckeln "{ $name }" har tagits bort. Den loggar inte längre in dig.
second-factor-passkey-or = Eller använd en lösennyckel
second-factor-passkey-title = Använd din lösennyckel
second-factor-passkey = Fortsätt med lösennyckel
confirm-passkey = Bekräfta med lösennyckel

# Dina sessioner (kontosäkerhet)
sessions-title = Där du är inloggad
sessions-intro = Alla webbläsare som är inloggade på ditt konto. Om du inte känner igen en, logga ut den och byt lösenord.
sessions-browser = Webbläsare
sessions-client = Klientadress
sessions-started = Inloggad
sessions-last-used = Senast använd
sessions-actions = Åtgärder
sessions-this-one = Den här webbläsaren
sessions-end = Logga ut
sessions-end-others = Logga ut överallt annars
sessions-browser-on = { $browser } på { $system }
sessions-browser-unknown = Okänd webbläsare
sessions-client-unknown = Okänd
sessions-ended-one = Loggade ut { $session }.
sessions-ended-others = { $count ->
    [0] Det fanns inga andra sessioner att logga ut.
    [one] Loggade ut 1 annan session.
   *[other] Loggade ut { $count } andra sessioner.
}
