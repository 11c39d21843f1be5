-- Server-side end of sessions (issue 13 §6). Every session JWT (the browser cookie and the bearer token of
-- POST /api/v1/auth/token) carries the user's session generation at sign-in; a request whose token carries another
-- generation than this column is refused. Bumping it ends every session issued before: the bootstrap password
-- reset, a password change, disabling the user, lowering their role and signing out do so.
ALTER TABLE users ADD COLUMN session_generation BIGINT NOT NULL DEFAULT 0;
