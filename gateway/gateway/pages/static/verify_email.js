"use strict";

// /verify-email?token=T (and /confirm-email-change?token=T, whose page names its own API path in data-confirm):
// the token leaves the address bar at once, then is spent by a POST (a mail scanner that only fetches
// the link confirms nothing).
(async () => {
  const page = document.getElementById("page").dataset;
  const params = new URLSearchParams(location.search);
  const token = params.get("token") || "";
  if (params.has("token")) history.replaceState(null, "", location.pathname);
  if (!token) return Latchkey.say("This page needs the link from the email.", true);
  const result = await Latchkey.api("POST", page.confirm || "/api/1/auth/email-verification/confirm", { token });
  if (!result.ok) return Latchkey.say(Latchkey.errorMessage(result), true);
  const email = Latchkey.payload(result).email;
  Latchkey.say(page.confirm ? "Done: your account's email is now " + email + "." : "Thank you: " + email + " is confirmed.");
})();
