-- Needs attention (issue 25): every reason a line needs someone is an index range from the
-- viewer's company on, like the other list pages (0014), so the page and its counts cost
-- what they show, not what the database holds.
--
-- Closing soon: awaiting lines by company and subscription id, holding the first email's
-- time and the offer, so that the closing test is read from the index itself.
CREATE INDEX lines_partner_awaiting ON lines (partner_id, lower(subscription_id), email_sent_at, offer)
    WHERE status = 'awaiting';
CREATE INDEX lines_distributor_awaiting ON lines (distributor_id, lower(subscription_id), email_sent_at, offer)
    WHERE status = 'awaiting';
CREATE INDEX lines_awaiting ON lines (lower(subscription_id), email_sent_at, offer) WHERE status = 'awaiting';
-- Bounced, failed or delayed: the messages in that state (outbox_due starts with the
-- status), then the lines whose last email each is.
CREATE INDEX lines_last_outbox ON lines (last_outbox_id);
-- Case answered: the cases the operators moved lately, by party.
CREATE INDEX cases_partner_updated ON cases (partner_id, updated_at);
CREATE INDEX cases_distributor_updated ON cases (distributor_id, updated_at);
CREATE INDEX cases_updated ON cases (updated_at);
