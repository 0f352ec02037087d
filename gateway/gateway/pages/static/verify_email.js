"use strict";

// /verify-email?token=T: the token leaves the address bar at once, then is spent by a POST
// (a mail scanner that only fetches the link confirms nothing).
(async () => {
  const params = new URLSearchParams(location.search);
  const token = params.get("token") || "";
  if (params.has("token")) history.replaceState(null, "", location.pathname);
  if (!token) return Latchkey.say("This page needs the link from the email.", true);
  const result = await Latchkey.api("POST", "/api/1/auth/email-verification/confirm", { token });
  if (result.ok) return Latchkey.say("Thank you: " + Latchkey.payload(result).email + " is confirmed.");
  Latchkey.say(Latchkey.errorMessage(result), true);
})();
