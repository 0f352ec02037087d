"use strict";

// Settings › Activity of one organization: its security log.
document.addEventListener("DOMContentLoaded", () => {
  const orgId = document.getElementById("page").dataset.orgId;
  Latchkey.securityLog({
    url: "/api/organization/" + encodeURIComponent(orgId) + "/events",
    list: document.getElementById("event-list"),
    none: document.getElementById("event-none"),
    more: document.getElementById("event-more"),
    unwrap: (result) => result.data,
    onError: (result) => (result.status === 401 ? Latchkey.signInAgain() : Latchkey.say(Latchkey.errorMessage(result), true)),
  });
});
