# Provisio: English messages. Product and brand names (Webex, Control Hub, Cloud/SaaS,
# PONR, offer names), ids, addresses and URLs stay as they are in every language.

skip-to-content = Skip to main content
nav-label = Change View
nav-orders = Orders
language = Language
language-apply = Change language
sign-out = Sign out
menu = Menu
back-to-orders = Back to orders
back-to-order = Back to order { $id }
search = Search
next-page = Next page
close = Close
cancel = Cancel
save = Save
edit = Edit
history = History
click-here = Click here

# Sign-in
login-title = Sign in to Provisio
login-email = Email address
login-password = Password
login-submit = Sign in
login-failed = The email address or password is not right. Check both and try again.
login-throttled = { $minutes ->
    [one] Too many failed sign-ins for this address. Wait a minute, then try again.
   *[other] Too many failed sign-ins for this address. Wait { $minutes } minutes, then try again.
}
login-busy = Sign-in is very busy right now. Wait a few seconds, then try again.

# Errors
csrf-title = This form has expired
csrf-message = For your security, forms expire when you sign in again or after a while. Nothing was changed. Reload the page and try again.
csrf-reload = Reload the page
not-found-title = Page not found
not-found-message = There is no such page, or you do not have access to it. Check the order or subscription id.
error-title = Something went wrong
error-message = Nothing was changed. Try again in a moment; if it keeps happening, open a support case.
unavailable-title = The database is unavailable
unavailable-message = The portal cannot reach its database right now. Nothing was changed. Try again in a minute.

# Orders
orders-title = Orders
orders-search = Web order id or subscription id
orders-none = There are no orders for your company yet.
orders-none-found = No order or subscription id starts with that. Check the id and search again.
col-order = Web order id
col-customer = Customer
col-partner = Partner
col-distributor = Distributor
col-lines = Lines
col-subscription = Subscription id
col-offer = Offer
col-rsd = Requested start date
col-status = Status
col-contact = Provisioning contact email
col-actions = Actions
col-when = When
col-type = Transaction type
col-change = Change
col-who = Requested by
ponr-reached-at = Reached { $when } (organisation onboarded in Control Hub)
ponr-not-reached = Not reached
order-title = Order { $id }
order-creator = Placed by
lines-caption = Order lines
order-count-awaiting = { $count ->
    [one] 1 line awaiting provisioning details
   *[other] { $count } lines awaiting provisioning details
}
order-count-closed = { $count ->
    [one] 1 line closed
   *[other] { $count } lines closed
}
order-count-complete = { $count ->
    [one] 1 line provisioning complete
   *[other] { $count } lines provisioning complete
}
order-search = Subscription id in this order
order-search-clear = Show all lines from the start
order-no-lines = This order has no lines.
order-no-lines-found = No line of this order has a subscription id that starts with that. Check the id and search again.
order-permission-note = You do not have permission to change the provisioning contact of this order. Ask the person who placed it: { $name } ({ $email }).
lines-permission-note = You do not have permission to change the provisioning contact of some of these lines. Ask the person who placed the order, named on each of them.

# Line statuses
status-awaiting = Awaiting Provisioning Details
status-closed = Closed
status-complete = Provisioning Complete
closed-pending = Provisioning still pending.

# Edit
edit-line-label = Edit the provisioning contact of { $id }
edit-title = Edit provisioning contact
edit-intro = Subscription { $id }. Its provisioning contact is { $email }.
edit-label = New provisioning contact email
apply-to-all = Apply to all lines
apply-to-all-hint = { $count ->
    [one] Also changes the 1 other line of this order that is awaiting provisioning details.
   *[other] Also changes the { $count } other lines of this order that are awaiting provisioning details.
}
edit-saved = { $count ->
    [one] Provisioning contact updated to { $email } on 1 line.
   *[other] Provisioning contact updated to { $email } on { $count } lines.
}
edit-unchanged = The provisioning contact already is { $email }. Nothing was changed.
edit-blocked-ponr = Set-up continues in the admin console: PONR is reached.
edit-blocked-closed = This line is closed. Change it on the Cloud/SaaS Subscriptions page.
edit-blocked-complete = Provisioning is complete: there is nothing to change.
edit-blocked-permission = Ask { $name } ({ $email }), who placed this order.

# Email address errors
email-error-empty = Enter the provisioning contact's email address.
email-error-too-long = An email address has at most 254 characters.
email-error-local-too-long = The part before @ has at most 64 characters.
email-error-not-one = Enter one email address only, such as name@example.com, without a name or other addresses.
email-error-invalid = Enter an email address in the right format, such as name@example.com.

# Refusals
refusal-permission-title = You cannot change this order
refusal-permission = Only the person who placed the order or a user with the edit permission can change its provisioning contact. Ask { $name } ({ $email }).
refusal-ponr-title = The point of no return (PONR) is reached
refusal-ponr = The customer organisation is already onboarded in Control Hub, so the provisioning contact can no longer be changed and the email cannot be sent again. The provisioning contact or the customer's administrator can sign in to the admin console directly to complete set-up.
refusal-ponr-link = Open the admin console
refusal-closed-title = This line is closed
refusal-closed = The line closed before set-up was finished, so provisioning is still pending. Change its provisioning contact or send the email again from the Cloud/SaaS Subscriptions page.
refusal-complete-title = Provisioning is complete
refusal-complete = The customer finished set-up for this line. There is nothing to change.
refusal-stale-title = Someone changed this line meanwhile
refusal-stale = { $name } changed this line after you opened the form. Its provisioning contact is now { $email }. Check it and edit again if needed.
refusal-stale-link = Edit again

# History
history-title = Line history
history-heading = History of { $id }
history-none = No changes yet.
history-older = Older changes
kind-provisioning_email_update = Provisioning Email Update
kind-provisioning_email_resend = Provisioning Email Resend
kind-provisioning_email_reminder = Provisioning Email Reminder
tx-status-in_progress = In Progress
tx-status-success = Success
tx-status-failed = Failed

# The provisioning email
email-subject = Provisioning information required for order { $order }
email-greeting = Hello { $customer } team,
email-intro = Your partner { $partner } ordered these cloud subscriptions for you with order { $order }. To start using them, finish the set-up:
email-action = Sign in and complete the set-up of your services here:
email-allowlist = This email comes from { $sender }: ask your IT administrator to allow that address, so that messages from it do not land in spam or junk folders.
email-spam = If you cannot find an earlier provisioning email, check your spam or junk folder.
email-reminder-subject = Reminder: finish the set-up of order { $order } before { $date }
email-reminder-intro = The set-up of these subscriptions of order { $order } is still not finished. Each closes at the time shown beside it, and billing starts then. Finish the set-up before that:
email-line-closes = closes { $date }
email-copy-subject = Copy: { $subject }
email-copy-note = This is a copy of the provisioning email of order { $order }, sent to you at your request so that you can forward it to the customer. The set-up link carries no credential: it is the admin console's address.

# Resend
resend = Resend
resend-line-label = Resend the provisioning email of { $id }
resend-title = Send the provisioning email again
resend-question = Send the provisioning email for { $id } again to { $email }?
resend-yes = Yes, send it again
resend-allowlist = The email comes from { $sender }. Ask the customer's IT administrator to allow that address so that it does not land in spam or junk.
resend-spam = Ask the provisioning contact to check their spam or junk folder too.
resend-sent = The provisioning email to { $email } is queued to go again; the line shows when the mail server has answered. It comes from { $sender }; ask the contact to check their spam or junk folder if it does not arrive.
resend-all-label = Send for every line of this order
resend-all-offer = { $lines ->
    [one] One line, to { $recipients }: one email per recipient.
   *[other] { $lines } lines, to { $count ->
        [one] { $recipients }
       *[other] { $count } recipients: { $recipients }
    }. One email per recipient, listing that recipient's lines.
}
resend-all-more = { $count ->
    [one] and one more
   *[other] and { $count } more
}
resend-all-sent = { $lines ->
    [one] The provisioning email for one line to { $recipients } is queued to go again.
   *[other] The provisioning email for { $lines } lines is queued to go again, one email to each of { $recipients }.
} The lines show when the mail server has answered. It comes from { $sender }; ask the contacts to check their spam or junk folder if it does not arrive.
copy-to-me = Send me a copy
copy-to-me-hint = A copy of the provisioning email goes to your own address, { $email }, for you to forward. It says it is a copy, and it counts against the email limits of your address.
copy-sent = A copy went to you at { $email }.
copy-nothing = No copy was sent: no provisioning email goes out now (it goes out on the requested start date).
copy-dropped = { $minutes ->
    [one] The copy to { $email } was not sent: your address had as many emails as allowed for now. You can ask for the next one in a minute.
   *[other] The copy to { $email } was not sent: your address had as many emails as allowed for now. You can ask for the next one in { $minutes } minutes.
}
resend-blocked-not-yet = The first email goes out on { $date }.
refusal-not-yet-title = The first email has not gone out yet
refusal-not-yet = The provisioning email goes out automatically on the requested start date, { $date } (from 00:00 UTC). You can send it again from then on.
refusal-limit-title = Too many emails for this line
refusal-limit = { $minutes ->
    [one] This line or address had as many provisioning emails as allowed for now, so that no inbox is flooded. You can send the next one in a minute.
   *[other] This line or address had as many provisioning emails as allowed for now, so that no inbox is flooded. You can send the next one in { $minutes } minutes.
}
email-state-queued = Provisioning email to { $email } queued.
email-state-sent = Provisioning email to { $email } accepted by the mail server { $when }.
email-state-failed = The provisioning email to { $email } did not go out. { $reason }
email-state-not-yet = The provisioning email goes out on { $date }.
edit-emailed = The provisioning email to { $email } is queued to go now; the line shows when the mail server has answered. The earlier address already received a set-up link: tell the customer if it should not be used.
edit-on-rsd = The provisioning email goes to { $email } on the requested start date.
tx-detail-on-rsd = Saved; the email goes out on the requested start date.
tx-detail-accepted = Accepted by the mail server (reply { $code }).
tx-detail-accepted-id = Accepted by the mail server (reply { $code }, its reference { $id }).
tx-detail-mailbox = Written to the file mailbox as { $file }.
delivery-failed-unreachable = The portal could not reach its mail server, so the email did not go out. The address is not the problem: ask the operators through a support case to check the mail server and send it again.
delivery-failed-address-refused = The mail server refused this address ({ $code }). Check the address and edit it; if it is right, ask the operators through a support case.
delivery-failed-refused = The mail server refused the email ({ $code }). Ask the operators through a support case: they can see why and send it again.
delivery-failed-invalid-address = This address cannot receive email. Check it and edit it.
delivery-failed-portal = The portal could not prepare the email. Ask the operators through a support case to send it again.
delivery-no-code = no code given
tm-technical = Technical detail

# Mailbox (demo)
mailbox-title = Mailbox
mailbox-intro = The demo writes provisioning emails to the file mailbox instead of sending them. Newest first.
mailbox-empty = No messages yet.

# Closing and the Cloud/SaaS Subscriptions page
closes-in-days = { $days ->
    [one] Closes in 1 day ({ $when }); billing starts then.
   *[other] Closes in { $days } days ({ $when }); billing starts then.
}
closes-in-hours = { $hours ->
    [one] Closes in 1 hour ({ $when }); billing starts then.
   *[other] Closes in { $hours } hours ({ $when }); billing starts then.
}
closed-at = Closed { $when }; billing started then.
nav-subscriptions = Cloud/SaaS Subscriptions
subscriptions-title = Cloud/SaaS Subscriptions
subscriptions-pending-only = Provisioning still pending only
subscriptions-closing-within = Closing within (days)
subscriptions-closing-invalid = Enter a number of days from 1 to 365.
subscriptions-none = No subscription matches. Check the id or clear the filters.

# Transaction Manager
nav-transactions = Transaction Manager
tm-title = Transaction Manager
tm-type = Transaction type
tm-any = Any
tm-from = From
tm-to = To
tm-csv = Download these rows as CSV
tm-none = No transaction matches. Check the id or clear the filters.
tm-retry = Retry delivery
tm-invalid-filter = Check the filters: a type, status or date is not one the Transaction Manager knows.
tm-retried = The email goes out again; the transaction is in progress.
tm-not-failed = Only a failed delivery can be retried.
tx-detail-retry = Retry asked by { $name }.
csv-id = id
csv-when = created_at (UTC)
csv-type = type
csv-subscription = subscription
csv-order = order
csv-old = old_value
csv-new = new_value
csv-who = requested_by
csv-status = status
csv-detail = detail
tm-retry-operators = Only operators retry deliveries. Open a support case if a change keeps failing.

# Support cases
nav-cases = Cases
cases-title = Support cases
cases-intro = When a change keeps failing before PONR, open a case from the line's history; operators work it.
cases-none = No cases.
case-request-type = Request type
case-type-change_contact = Change provisioning contact email
case-type-resend_email = Resend provisioning email
case-status-open = Open
case-status-in_progress = In progress
case-status-resolved = Resolved
case-description = Description
case-note = Note
case-attachments = Screenshots (up to 3 PNG or JPEG files, 5 MB each)
case-submit = Open the case
case-new-title = Open a support case
case-new-intro = About subscription { $id } of order { $order }.
case-opened = Case { $id } is open. Operators will work it; you see its status on this page.
case-updated = Case { $id } updated.
case-operators-only = Only operators work cases.
case-error-type = Choose the request type.
case-error-description = Describe what happened, in at most 4000 characters.
case-error-not-image = Screenshots must be PNG or JPEG images.
case-error-too-large = A screenshot may be at most 5 MB.
case-error-body-too-large = The upload is too large: at most three screenshots of 5 MB each.
case-limit = { $count ->
    [one] You can open one support case a day. Wait until tomorrow, or add to the case you opened.
   *[other] You can open { $count } support cases a day. Wait a while, or add to a case you opened.
}
case-error-too-many = Attach at most 3 screenshots.
case-error-status = Choose open, in progress or resolved, and keep the note under 4000 characters.
open-case = Open a case
api-unauthorized-title = Unauthorized
api-unauthorized = Send a valid API token of your company as "Authorization: Bearer <token>". A revoked or expired token, or one whose creator was deactivated, is refused.
api-rate-limit-title = Too many requests
api-rate-limit = { $seconds ->
    [one] This token made as many requests as allowed for now. Try again in a second.
   *[other] This token made as many requests as allowed for now. Try again in { $seconds } seconds.
}
api-invalid-request-title = Invalid request
api-invalid-email-title = Invalid email address
api-body-unreadable = The request body could not be read.
api-too-large-title = Request too large
api-too-large = The request body may be at most { $kilobytes } KB.
api-idempotency-key-invalid = The Idempotency-Key header must be 1 to 255 visible characters.
api-idempotency-mismatch = This Idempotency-Key was used in the last 24 hours with another body. Use a new key for a new request.
api-idempotency-in-progress = A request with this Idempotency-Key is still running. Try again shortly with the same key.
api-unsupported-media-type-title = Unsupported media type
api-unsupported-media-type = Send the request body as JSON, with "Content-Type: application/json".
api-method-not-allowed-title = Method not allowed
api-method-not-allowed = This path takes { $allow } only.
tokens-title = API tokens
tokens-intro = Partner systems use these tokens to read orders and, with the write scope, to change provisioning contacts and resend emails through the API. A token is shown only once, when it is created.
tokens-name = Name
tokens-scope = Scope
tokens-scope-read = Read: orders, lines and transactions
tokens-scope-write = Write: also change contacts and resend emails
tokens-create = Create token
tokens-created = Token "{ $name }" created. Copy it now: it is shown only this once and cannot be shown again.
tokens-created-by = Created by
tokens-created-at = Created
tokens-last-used = Last used
tokens-never = Never
tokens-status = Status
tokens-active = Active
tokens-revoked-at = Revoked { $when }
tokens-revoke = Revoke
tokens-revoked = Token revoked. Requests with it are refused from now on.
tokens-none = No API tokens yet.
tokens-invalid = Give the token a name (at most 100 characters) and choose read or write.
tokens-forbidden = Only your company's admins can manage its API tokens.
tokens-prefix = Prefix
tokens-prefix-unknown = Prefix unknown: the token was created before prefixes were kept
tokens-expires = Expires
tokens-expired = Expired
tokens-lifetime = Works for
tokens-days = { $days ->
    [one] 1 day
   *[other] { $days } days
}
tokens-already-created = This form was already sent: it created the token "{ $name }" then, and nothing new now. Its secret was shown only that once; if it was not copied, revoke the token and create a new one.
tokens-too-many = The company already holds { $max ->
    [one] 1 working API token
   *[other] { $max } working API tokens
}, the most it may. Revoke one before you create another.
tokens-invalid-expiry = Choose how long the token works: 30, 90 or 365 days.
tokens-invalid-form = The form could not be read. Reload the page and try again.

# Company admins (issue 12)
nav-company = Company
company-nav-label = Company
company-nav-users = Users
company-title = Company: { $company }
company-users-heading = Users
company-col-name = Name
company-col-email = Email address
company-col-can-edit = Edit permission
company-col-admin = Company admin
company-col-active = Active
company-col-last-sign-in = Last sign-in
company-col-actions = Actions
yes = Yes
no = No
company-invited = Invited, no password yet
company-never = Never
company-grant-edit = Grant edit permission
company-revoke-edit = Revoke edit permission
company-make-admin = Make admin
company-unmake-admin = Remove admin
company-deactivate = Deactivate
company-deactivate-revokes = Deactivating also revokes { $count ->
    [one] 1 API token
   *[other] { $count } API tokens
} this user created.
company-tokens-revoked = { $count ->
    [one] Revoked 1 API token they created.
   *[other] Revoked { $count } API tokens they created.
}
company-reactivate = Reactivate
company-invite-heading = Invite a user
company-invite-hint = We email them a link to set a password. The link works once, for 72 hours.
company-invite-submit = Send invitation
error-summary-title = There is a problem
company-forbidden-title = You cannot manage this company
company-forbidden = Only the company's admins manage its users. Ask one of them.
company-invite-name-error = Enter the person's name (at most 200 characters).
company-invite-email-empty = Enter the email address to invite.
company-invited-message = Invitation sent to { $email }.
company-invite-exists = This email address already has an account. Choose another address.
company-change-invalid = Choose on or off.
company-changed = Saved the changes to { $name } ({ $email }).
company-last-admin = The company would have no active admin left: its last admin cannot be removed or deactivated, by anyone. Make someone else an admin first.
ask-company-admins = You can also ask your company's admins: { $admins }.
kind-permission_change = Permission Change
perm-invited = Invited { $name }
perm-can-edit-on = Edit permission granted
perm-can-edit-off = Edit permission revoked
perm-admin-on = Made company admin
perm-admin-off = No longer company admin
perm-active-on = Reactivated
perm-active-off = Deactivated
invitation-title = Set your password
invitation-intro = Welcome, { $name }. Set a password for { $email } to sign in to the portal of { $company }.
invitation-password = New password
invitation-password-hint = At least 12 characters. A phrase of a few words is easy to remember and hard to guess.
invitation-password-confirm = Type the password again
invitation-submit = Set password
invitation-too-short = Use at least 12 characters.
invitation-too-long = Use at most 256 characters.
invitation-guessable = This password is too easy to guess: it is common, or made of your name or address. A phrase of a few unrelated words works well.
invitation-mismatch = The two passwords are not the same. Type them again.
invitation-done = Your password is set. Sign in with your email address and the new password.
invitation-gone-title = This link no longer works
invitation-gone = The invitation link was already used or is more than 72 hours old. Ask your company's admin for a new invitation, or sign in if you set your password.
invite-email-subject = You are invited to { $company } on Provisio
invite-email-greeting = Hello { $name },
invite-email-intro = { $inviter } invited you to the Provisio partner portal of { $company }.
invite-email-action = Set your password here:
invite-email-expiry = The link works once, for 72 hours. If you did not expect this email, you can ignore it.
# Bulk fix
bulk-link = Fix many lines
bulk-title = Fix many lines
bulk-intro = Upload a CSV file with the columns subscription_id and new_contact_email (UTF-8, comma or semicolon separated, at most { $max ->
    [one] 1 row
   *[other] { $max } rows
} and 2 MB; other columns are ignored). You see what will happen to every row before anything changes.
bulk-template = Download your lines that can still be fixed (CSV)
bulk-file = CSV file
bulk-file-hint = The first row names the columns. Each row changes the provisioning contact of one subscription.
bulk-upload = Upload and preview
bulk-uploading = Uploading and checking the file…
bulk-back = Back to Cloud/SaaS Subscriptions
bulk-error-title = The file cannot be read
bulk-error-at-column = Row { $row }, column { $column }: { $reason }
bulk-error-at-row = Row { $row }: { $reason }
bulk-error-no-column = the file needs the columns { $subscription } and { $email } in its first row.
bulk-error-too-many = the file has more than { $max ->
    [one] 1 row
   *[other] { $max } rows
}. Split it into smaller files.
bulk-error-missing = this row has no value in this column.
bulk-error-utf8 = the text is not UTF-8. Save the file as "CSV UTF-8" and upload it again.
bulk-error-character = the text contains a character that is not allowed.
bulk-error-empty = the file has no rows below its first.
bulk-error-unreadable = this row cannot be read as CSV.
bulk-error-too-large = The file is larger than 2 MB. Split it into smaller files. Nothing was changed.
bulk-batch-title = Bulk fix { $id }
bulk-preview-note = Preview: nothing has changed yet.
bulk-applied-at = Applied { $when }.
bulk-counts = Rows by outcome
bulk-apply = Apply the changes
bulk-applying = Applying the changes…
bulk-applied = The bulk fix was applied. Each row says what became of it.
bulk-already-applied-title = Already applied
bulk-already-applied = This bulk fix was applied before. Nothing more was changed. Upload a new file to fix more lines.
bulk-outcome-csv = Download every row's outcome (CSV)
bulk-another = Upload another file
bulk-rows = Rows of the file
bulk-col-row = Row
bulk-col-current = Current contact
bulk-col-new = New contact
bulk-col-result = Outcome
bulk-unnamed = (file without a name)
bulk-preview-kept = If it is not applied, it is deleted { $when }.
bulk-outcome-kept = Its outcome is kept until { $when }.
bulk-earlier = Your earlier uploads
bulk-earlier-hint = A preview that is not applied is deleted by itself; so is an applied file's outcome after a while. You may hold up to { $max ->
    [one] 1 preview
   *[other] { $max } previews
} at once.
bulk-col-file = File
bulk-col-uploaded = Uploaded
bulk-col-rows = Rows
bulk-col-state = State
bulk-col-actions = Actions
bulk-state-preview = Preview, not applied: deleted { $until }
bulk-state-applied = Applied { $when }; outcome kept until { $until }
bulk-state-purged = Applied { $when }; its details are no longer kept
bulk-open = Open it
bulk-discard = Discard this preview
bulk-discard-short = Discard
bulk-discard-named = Discard the preview { $file }
bulk-discarded = The preview { $file } was discarded. Nothing was changed.
bulk-discard-applied = This bulk fix was applied: it cannot be discarded. Its outcome is kept for a while and then deleted by itself.
bulk-quota-title = Too many previews
bulk-quota = { $max ->
    [one] You already hold 1 preview that was not applied.
   *[other] You already hold { $max } previews that were not applied.
} Apply or discard one before you upload another file. This file was not stored.
bulk-quota-oldest = The oldest is { $file }, uploaded { $when }.
bulk-purged-title = Details no longer kept
bulk-purged = Bulk fix { $id } ({ $file }) was applied { $when }. The outcome of each row is kept only for a while after apply and has been deleted. The changes it made stay in the Transaction Manager, marked "Bulk fix { $id }".
bulk-result-change = Will change
bulk-result-unchanged = Unchanged
bulk-result-not_found = Not found
bulk-result-no_permission = No permission
bulk-result-ponr = PONR reached
bulk-result-complete = Provisioning complete
bulk-result-invalid = Invalid address
bulk-result-duplicate = Duplicate
bulk-result-limit = Too many emails
bulk-result-done = Changed
bulk-reason-change = From { $old } to { $new }.
bulk-reason-done = Changed from { $old } to { $new }.
bulk-reason-emails-now = The new contact gets the provisioning email now.
bulk-reason-emails-on-rsd = The email goes out on the requested start date.
bulk-reason-unchanged = The provisioning contact already is this address.
bulk-reason-not_found = There is no subscription with this id that you can see. Check the id.
bulk-reason-no_permission = You do not have permission to change the provisioning contact of this order. Ask the person who placed it.
bulk-reason-ponr = PONR is reached: the provisioning contact or administrator completes set-up in the admin console.
bulk-reason-complete = Provisioning is complete: there is nothing to change.
bulk-reason-duplicate = This subscription is on an earlier row of the file; only that row counts.
bulk-reason-limit = Too many provisioning emails for this line or address right now. Try this row again later.
tx-detail-bulk = Bulk fix { $id }
upload-not-a-form = Send this form as multipart/form-data (the page's own form does).
form-too-large = This form is larger than any page of the portal sends.
preview-title = The email that goes out:
preview-when-now = It is sent as soon as you confirm.
preview-when-rsd = It goes out on { $date }, the requested start date.
preview-limit-line = { $minutes ->
    [one] This line already had as many emails as allowed for now, so sending now would be refused. The next one fits in a minute.
   *[other] This line already had as many emails as allowed for now, so sending now would be refused. The next one fits in { $minutes } minutes.
}
preview-limit-address = { $minutes ->
    [one] { $email } already had as many emails as allowed for now, so sending now would be refused. The next one fits in a minute.
   *[other] { $email } already had as many emails as allowed for now, so sending now would be refused. The next one fits in { $minutes } minutes.
}

## Delivery truth: bounces and delays (docs/product.md rule 14)
tx-status-bounced = Bounced
tx-status-delayed = Delayed
email-state-bounced = Provisioning email to { $email } bounced: { $reason }. Fix the address and the email goes again.
email-state-delayed = Provisioning email to { $email } is delayed: { $reason }
bounce-fix-address = Fix the address
bounce-no-report = no report
bounce-reason-no-such-address = The customer's mail server says this address does not exist ({ $code })
bounce-reason-no-such-domain = The address's domain does not exist or takes no email ({ $code })
bounce-reason-mailbox-full = The customer's mailbox is full ({ $code })
bounce-reason-mailbox-disabled = The customer's mail server says this mailbox is disabled ({ $code })
bounce-reason-too-large = The customer's mail server refused the email as too large ({ $code })
bounce-reason-refused-policy = The customer's mail server refused the email by its policy, for instance as spam ({ $code })
bounce-reason-no-route = The customer's mail server could not be reached in time ({ $code })
bounce-reason-refused = The customer's mail server refused the email ({ $code })
bounce-reason-no-report = The customer's mail server returned the email without saying why ({ $code })
bounce-reason-delayed = The customer's mail server has not taken the email yet; delivery is still being tried ({ $code })
bounce-alert-subject = The provisioning email of order { $order } to { $email } bounced
bounce-alert-intro = The provisioning email of order { $order } ({ $customer }) did not reach the customer.
bounce-alert-address = The customer's mail server returned it from { $email }:
bounce-alert-action = Open the line, fix the address and the email goes again.

# Needs attention
nav-attention = Needs attention
attention-title = Needs attention
attention-intro = The lines that need someone now. Fix them here: Edit and Resend work as on the subscriptions page.
attention-counts-label = Lines by reason
attention-company = Company
attention-every-company = Every company
attention-reason = Reason
attention-every-reason = Every reason
attention-show = Show
attention-none = Nothing needs attention now.
attention-none-here = No line for this reason. Choose another reason above.
attention-kind-closing-soon = Closing within 7 days
attention-kind-bounced = Email bounced
attention-kind-failed = Email failed
attention-kind-delayed = Email delayed
attention-kind-pending = Closed, still pending
attention-kind-case-answered = Case answered
attention-reason-closing = Closes within 7 days and set-up is not done; billing starts then.
attention-reason-bounced = The customer's mail server returned the provisioning email. Check the address and edit it, then the email goes out again.
attention-reason-delayed = The customer's mail server has not taken the provisioning email yet and is still trying. Check the address.
attention-reason-failed = The provisioning email could not be delivered. Check the address and edit it, or ask the operators through a support case.
attention-reason-case = The operators answered a support case about this line.
attention-open-cases = Read the case

# The email the customer got
nav-mailbox = Mailbox
mailbox-invitation = Invitation to set a password
email-view-link = The email
email-view-subject = Subject
email-view-from = From
email-view-to = To
email-view-cc = Copy to
email-view-queued = Queued
email-view-accepted-at = Accepted by the mail server
email-view-status = Delivery
email-view-lines = Lines
email-view-body = The email as the recipient sees it
email-view-body-hint = Shown as sent, in the order's language. Links in it do not work here.
email-view-frame-title = The email: { $subject }
email-view-text = The plain-text version
email-view-state-queued = Queued
email-view-state-in-progress = In progress
email-view-state-accepted = Accepted
email-view-state-failed = Failed
email-view-state-bounced = Bounced
email-view-state-delayed = Delayed
email-view-note-queued = Not sent yet; it goes out within a few seconds.
email-view-note-bounced = The recipient's mail server returned it. Check the address and edit it.
email-view-note-delayed = The recipient's mail server has not taken it yet and is still trying.
email-view-accepted = The mail server accepted it { $when }. Whether it reached the inbox only the recipient can tell: ask them to check spam or junk too.
email-view-failed = It could not be delivered. { $reason }
email-view-retrying = { $attempts ->
    [one] The mail server has not accepted it after 1 attempt; it is tried again.
   *[other] The mail server has not accepted it after { $attempts } attempts; it is tried again.
}

## The Company pages, API tokens and earlier bulk fixes (a partner's day: the walk's pages)
tokens-forbidden-title = You cannot manage this company's API tokens
tokens-scope-read-short = Read
tokens-scope-write-short = Write
tokens-api-document-intro = Partner systems are built from the API's description:
tokens-api-document = the OpenAPI document (JSON)
tokens-revoke-named = Revoke the token { $name }
company-nav-tokens = API tokens
company-pick = Company
company-pick-label = Choose the company to manage
company-pick-submit = Show
company-operator-edits = Operator: may change every company's lines
company-operator-manages = Operator: manages every company's users and API tokens
bulk-col-before = Contact before
bulk-earlier-everyone = Earlier uploads, everyone's
bulk-col-uploader = Uploaded by
bulk-template-closed-pending = Closed, provisioning still pending
bulk-template-hint = The file lists your lines awaiting set-up and those closed with provisioning still pending (status "Closed, provisioning still pending", pending true): both can still be fixed.
## Strong sign-in (docs/product.md rule 15)
nav-security = Account security
kind-security_change = Security Change
security-totp-on = One-time codes turned on
security-totp-off = One-time codes turned off
security-recovery-renewed = New recovery codes made; the old ones no longer work
security-recovery-used = A recovery code was used to sign in
security-passkey-added = Passkey “{ $name }” added
security-passkey-removed = Passkey “{ $name }” removed
security-session-ended = One of your sessions was signed out
security-sessions-ended = { $count ->
    [one] 1 other session was signed out
   *[other] { $count } other sessions were signed out
}
security-email-subject = Your Provisio sign-in changed
security-email-intro = This changed in how you sign in to Provisio:
security-email-action = Your second factors and sessions are here:
security-email-not-you = If this was not you, sign in, remove what you do not recognise, and tell your company admin.
account-security-title = Account security
account-security-intro = A second factor keeps your account yours even when someone else learns your password.
account-security-required = Your role needs a second factor. Set one up here to go on: until then the portal shows only this page.
account-totp-title = One-time codes
account-totp-on = On: after your password, sign-in asks for the 6-digit code of your authenticator app.
account-totp-off = Off.
account-totp-start = Set up one-time codes
account-totp-scan = Scan this QR code with an authenticator app, or type the key into it by hand. Then enter the code the app shows.
account-totp-secret = Key
account-totp-qr = QR code of the key for your authenticator app
account-totp-code = The 6-digit code your app shows now
account-totp-confirm = Turn on one-time codes
account-totp-remove = Turn off one-time codes
account-recovery-title = Recovery codes
account-recovery-intro = Each recovery code signs you in once when your authenticator app is not at hand.
account-recovery-left = { $count ->
    [one] 1 recovery code left.
   *[other] { $count } recovery codes left.
}
account-recovery-none = Recovery codes come with one-time codes.
account-recovery-new = Make new recovery codes
account-recovery-show = Your recovery codes. Keep them somewhere safe now: this is the only time they are shown. Each works once.
account-totp-wrong = That code is not right. Check that your phone's time is right and enter the newest code.
account-totp-removed = One-time codes are off.
account-totp-now-on = One-time codes are on.
account-recovery-made = New recovery codes are made; the old ones no longer work.
second-factor-title = Second step of sign-in
second-factor-intro = Enter the 6-digit code of your authenticator app, or one of your recovery codes.
second-factor-code = Code
second-factor-submit = Continue
second-factor-wrong = That code is not right, or it was used already. Enter the newest code.
second-factor-expired = The sign-in took too long. Sign in again.
second-factor-restart = Sign in again
confirm-title = Confirm it is you
confirm-intro = This change needs a fresh check: your last one was more than 10 minutes ago.
confirm-code = One-time code or recovery code
confirm-password = Your password
confirm-submit = Confirm
confirm-wrong = That is not right. Try again.
confirm-done = Confirmed. Changes need no new check for the next 10 minutes.

# Passkeys (account security and sign-in)
login-passkey-title = Or use a passkey
login-passkey = Sign in with a passkey
passkeys-title = Passkeys
passkeys-intro = A passkey signs you in with your device's screen lock or security key instead of a password. It cannot be phished or reused on another site.
passkeys-none = You have no passkeys yet.
passkeys-name = Name
passkeys-added = Added
passkeys-last-used = Last used
passkeys-never-used = Not used yet
passkeys-actions = Actions
passkeys-remove = Remove
passkeys-new-name = Name of the new passkey (for example "Work laptop")
passkeys-add = Add a passkey
passkeys-working = Follow your browser's prompt…
passkeys-need-javascript = Passkeys need JavaScript. Turn it on in your browser to add or use one; everything else works without it.
passkeys-unsupported = This browser cannot use passkeys. Use a current version of Chrome, Edge, Firefox or Safari.
passkeys-off = Passkeys are not available at this portal's address. Ask your administrator to serve the portal under a domain name.
passkeys-unavailable = Passkeys are not available at this portal's address.
passkeys-name-missing = Give the passkey a name, so that you can tell it apart later.
passkeys-name-long = { $max ->
    [one] The name can be at most 1 character long.
   *[other] The name can be at most { $max } characters long, without line breaks.
}
passkeys-too-many = { $max ->
    [one] You have 1 passkey, the most an account may have. Remove it to add another.
   *[other] You have { $max } passkeys, the most an account may have. Remove one to add another.
}
passkeys-expired = That took too long, or the page was open in another tab. Try again.
passkeys-failed = The passkey could not be added. Try again; if it keeps failing, try another device or security key.
passkeys-duplicate = This device already holds a passkey for your account.
passkeys-cancelled = The passkey prompt was cancelled or timed out. Nothing was changed.
passkeys-sign-in-failed = That passkey did not sign you in. It may have been removed from your account; sign in with your password instead.
passkeys-saved = Passkey "{ $name }" added. You can now sign in with it.
passkeys-removed = Passkey "{ $name }" removed. It no longer signs you in.
second-factor-passkey-or = Or use a passkey
second-factor-passkey-title = Use your passkey
second-factor-passkey = Continue with a passkey
confirm-passkey = Confirm with a passkey

# Your sessions (account security)
sessions-title = Where you are signed in
sessions-intro = Every browser signed in to your account. If you do not recognise one, sign it out and change your password.
sessions-browser = Browser
sessions-client = Client address
sessions-started = Signed in
sessions-last-used = Last used
sessions-actions = Actions
sessions-this-one = This browser
sessions-end = Sign out
sessions-end-others = Sign out everywhere else
sessions-browser-on = { $browser } on { $system }
sessions-browser-unknown = Unknown browser
sessions-client-unknown = Unknown
sessions-ended-one = Signed out { $session }.
sessions-ended-others = { $count ->
    [0] There were no other sessions to sign out.
    [one] Signed out 1 other session.
   *[other] Signed out { $count } other sessions.
}
