-- Links between a Latchkey user and an account at an OpenID provider.
-- `issuer` is the provider id from configuration (stable even if the provider's
-- issuer URL changes); `subject` is the provider's `sub` claim.
-- No foreign key to session.users: each service owns only its own schema.
CREATE TABLE links (
    user_id      bigint      NOT NULL,
    issuer       text        NOT NULL,
    subject      text        NOT NULL,
    email        text,
    linked_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    -- one account per provider per user
    CONSTRAINT links_user_issuer_key UNIQUE (user_id, issuer),
    -- one user per provider account: sign-in by (issuer, subject) is unambiguous
    CONSTRAINT links_issuer_subject_key UNIQUE (issuer, subject)
);
