-- 0009: what a pending approval is for, shown to the person who decides (issue 12, findings 2 and 7):
-- the audience the client asked for ('api', 'mcp' or 'api mcp') and, for a browser sign-in, where
-- the browser returns to (the redirect URI's host, or a native app's scheme).
ALTER TABLE approvals ADD COLUMN audience text;
ALTER TABLE approvals ADD COLUMN redirect_host text;
