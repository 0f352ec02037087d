"use strict";

// One security log list (the account's or an organization's), newest first, with "Show older".
(() => {
  const LABELS = {
    "login.succeeded": "Signed in",
    "login.failed": "Failed sign-in",
    "logout": "Signed out",
    "logout.everywhere": "Signed out everywhere",
    "session.revoked": "Ended a session",
    "password.changed": "Changed the password",
    "password.set_by_operator": "Password set by an operator",
    "password.reset_requested": "Asked for a password reset link",
    "password.reset": "Reset the password by email",
    "api_key.regenerated": "Regenerated the API key",
    "mfa.totp_enabled": "Turned on two-factor sign-in",
    "mfa.totp_disabled": "Turned off two-factor sign-in",
    "email.verification_sent": "Confirmation link sent",
    "email.verified": "Confirmed the email address",
    "account.created": "Created the account",
    "profile.updated": "Changed the profile",
    "email.change_requested": "Asked to change the email address",
    "email.changed": "Changed the email address",
    "sso.linked": "Linked a sign-in provider",
    "sso.unlinked": "Unlinked a sign-in provider",
    "user.provisioned": "User provisioned",
    "user.deprovisioned": "User removed",
    "refresh_token.issued": "Sign-in link issued",
    "handoff.completed": "Signed in through the organization",
    "api_key.rotated": "Organization API key rotated",
    "settings.changed": "Settings changed",
  };

  const NAMES_A_USER = /^(user|refresh_token|handoff|sso)\./;

  function describe(event) {
    const label = LABELS[event.event] || event.event;
    return event.subject && NAMES_A_USER.test(event.event) ? label + " · " + event.subject : label;
  }

  function row(event) {
    const item = Latchkey.el("li", { "data-event": event.event });
    const what = Latchkey.el("span", { class: "event-what" }, describe(event));
    const where = [event.userAgent, event.ip, event.method ? "by " + event.method : ""].filter(Boolean).join(" · ");
    const when = Latchkey.el("time", { datetime: event.occurredAt }, new Date(event.occurredAt).toLocaleString());
    item.append(what, Latchkey.el("span", { class: "hint" }, where), when);
    return item;
  }

  Latchkey.securityLog = function show({ url, list, none, more, unwrap, onError }) {
    let cursor = null;
    async function page() {
      const query = "?limit=20" + (cursor ? "&cursor=" + encodeURIComponent(cursor) : "");
      const result = await Latchkey.api("GET", url + query);
      if (!result.ok) return onError(result);
      const data = unwrap(result) || {};
      for (const event of data.events || []) list.appendChild(row(event));
      cursor = data.nextCursor || null;
      more.hidden = !cursor;
      none.hidden = list.children.length > 0;
    }
    more.onclick = page;  // one handler however often the list is reloaded
    list.replaceChildren();
    return page();
  };
})();
