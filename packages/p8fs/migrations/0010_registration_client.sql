-- 0010: the client address that started each e-mail registration (issue 12, finding 6). Starts are
-- counted per e-mail and address, so one address's starts for someone's e-mail do not lock that
-- person out; a larger count per e-mail over all addresses still bounds mail and code guessing.
ALTER TABLE registrations ADD COLUMN client_ip text;
