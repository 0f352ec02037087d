-- The organization's security log (SPEC.md §7): provisioning, generate-token, handoffs, key rotation, settings.
-- Same shape as session.security_events (latchkey.security_events). Append-only.
CREATE TABLE security_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at timestamptz NOT NULL DEFAULT now(),
    event       text NOT NULL,          -- user.provisioned, refresh_token.issued, handoff.completed, ...
    user_id     integer,                -- the user concerned, if any
    org_id      bigint,                 -- the organization (kept after it is deleted)
    actor       text,                   -- 'org_key' or 'user:<id>'
    subject     text,                   -- e.g. the userName acted on
    address     text,
    user_agent  text,
    method      text,
    request_id  text,
    detail      jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX security_events_by_org ON security_events (org_id, id DESC);
CREATE INDEX security_events_by_age ON security_events (occurred_at);

CREATE FUNCTION refuse_event_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'security events are append-only';
END $$;
CREATE TRIGGER security_events_append_only BEFORE UPDATE ON security_events
    FOR EACH ROW EXECUTE FUNCTION refuse_event_update();
