-- Account self-service (SPEC.md §7): a verified email, and the security log. (0003: 0002 is two-factor's, landing beside it.)
-- Applied with search_path = session, public.

-- When the current email was proven to reach the user; NULL until then, and again after a change.
ALTER TABLE users ADD COLUMN email_verified_at timestamptz;

-- Append-only: rows are written by the service and deleted only by the retention job (by age).
CREATE TABLE security_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at timestamptz NOT NULL DEFAULT now(),
    event       text NOT NULL,          -- login.succeeded, password.reset, session.revoked, ...
    user_id     integer,                -- the account it concerns (kept after the user is deleted)
    org_id      bigint,                 -- the user's organization at the time
    actor       text,                   -- who acted when not the user: 'operator', 'org:<id>'
    subject     text,                   -- what it acted on, e.g. a session's short id
    address     text,
    user_agent  text,
    method      text,                   -- how the actor was authenticated: pwd, basic, api_key, org_sso, ...
    request_id  text,
    detail      jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX security_events_by_user ON security_events (user_id, id DESC);
CREATE INDEX security_events_by_age ON security_events (occurred_at);

CREATE FUNCTION refuse_event_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'security events are append-only';
END $$;
CREATE TRIGGER security_events_append_only BEFORE UPDATE ON security_events
    FOR EACH ROW EXECUTE FUNCTION refuse_event_update();
