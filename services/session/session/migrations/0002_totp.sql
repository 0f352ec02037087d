-- Two-factor sign-in with an authenticator app (TOTP, RFC 6238), SPEC.md §8.
-- Applied with search_path = session, public.

CREATE TABLE totp_factors (
    userid        integer PRIMARY KEY REFERENCES users (userid) ON DELETE CASCADE,
    secret_sealed text NOT NULL,          -- AES-GCM of the base32 secret (associated data: 'totp:' || userid)
    confirmed_at  timestamptz,            -- NULL while enrolment waits for its first code
    last_step     bigint,                 -- the newest 30-second step accepted: a code is accepted once
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE recovery_codes (
    userid    integer NOT NULL REFERENCES users (userid) ON DELETE CASCADE,
    code_hash text NOT NULL,              -- SHA-256 of the normalised code (80 random bits)
    used_at   timestamptz,
    PRIMARY KEY (userid, code_hash)
);
