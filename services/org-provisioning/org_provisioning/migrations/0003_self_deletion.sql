-- Whether the organization's provisioned users may delete their own account (DELETE /api/1/users/me).
-- Off: the organization deletes them through its deprovision route, as before.
ALTER TABLE organizations ADD COLUMN users_may_delete_themselves boolean NOT NULL DEFAULT false;
