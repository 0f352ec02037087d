// Shared by every page: JSON calls through the gateway with the session cookie.
// Same-origin fetches send Origin, which the gateway's CSRF check needs.
"use strict";

const Latchkey = {
  async api(method, path, body) {
    const init = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch (error) {
      return { ok: false, status: 0, data: null };
    }
    const text = await response.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (error) { data = null; }
    return { ok: response.ok, status: response.status, data };
  },

  // The account API wraps data in {success, data}; the other families answer plain JSON.
  payload(result) {
    const data = result.data;
    return data && typeof data === "object" && "success" in data ? data.data : data;
  },

  errorMessage(result) {
    const data = result.data || {};
    if (data.error && data.error.message) return data.error.message;
    if (data.title) {
      const fields = data.fields ? " " + Object.entries(data.fields).map(([k, v]) => k + ": " + v).join("; ") : "";
      return data.title + fields;
    }
    if (result.status === 0) return "Latchkey cannot be reached. Check your connection.";
    return "Something went wrong (HTTP " + result.status + ").";
  },

  say(text, isError) {
    const box = document.getElementById("message");
    if (!box) return;
    box.textContent = text || "";
    box.hidden = !text;
    box.classList.toggle("error", Boolean(isError));
  },

  signInAgain() {
    location.assign("/login?return_to=" + encodeURIComponent(location.pathname));
  },

  // Only a path on this site: the server validated it, this is a second fence.
  localPath(path) {
    return typeof path === "string" && /^\/(?![\/\\])/.test(path) && !/[\\\x00-\x1f]/.test(path) ? path : "/account";
  },

  el(tag, attributes, text) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
    if (text !== undefined) node.textContent = text;
    return node;
  },
};
