// Passkeys: the WebAuthn ceremonies that only a script can run (navigator.credentials
// .create and .get). Each is two JSON posts to the portal (docs/http.md, "Passkeys"), with
// the page's CSRF token in X-CSRF-Token. The controls are hidden until this script finds
// WebAuthn in the browser; without JavaScript the page says that passkeys need it.
(function () {
  "use strict";

  function fromBase64url(text) {
    var b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) { b64 += "="; }
    var bytes = atob(b64), out = new Uint8Array(bytes.length);
    for (var i = 0; i < bytes.length; i++) { out[i] = bytes.charCodeAt(i); }
    return out.buffer;
  }

  function toBase64url(buffer) {
    var bytes = new Uint8Array(buffer), text = "";
    for (var i = 0; i < bytes.length; i++) { text += String.fromCharCode(bytes[i]); }
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  // Posts `body` as JSON; the portal's answer, or an Error with its message.
  function post(url, token, body, failed) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": token },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (answer) {
        if (!response.ok || !answer) { throw new Error((answer && answer.error) || failed); }
        return answer;
      });
    });
  }

  function creationOptions(answer) {
    var o = answer.publicKey;
    o.challenge = fromBase64url(o.challenge);
    o.user.id = fromBase64url(o.user.id);
    (o.excludeCredentials || []).forEach(function (c) { c.id = fromBase64url(c.id); });
    return { publicKey: o };
  }

  function requestOptions(answer) {
    var o = answer.publicKey;
    o.challenge = fromBase64url(o.challenge);
    (o.allowCredentials || []).forEach(function (c) { c.id = fromBase64url(c.id); });
    return { publicKey: o };
  }

  function extensions(credential) {
    try { return credential.getClientExtensionResults() || {}; } catch (e) { return {}; }
  }

  function attestation(credential) {
    var r = credential.response;
    return {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      response: {
        attestationObject: toBase64url(r.attestationObject),
        clientDataJSON: toBase64url(r.clientDataJSON),
        transports: typeof r.getTransports === "function" ? r.getTransports() : undefined
      },
      extensions: extensions(credential)
    };
  }

  function assertion(credential) {
    var r = credential.response;
    return {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      response: {
        authenticatorData: toBase64url(r.authenticatorData),
        clientDataJSON: toBase64url(r.clientDataJSON),
        signature: toBase64url(r.signature),
        userHandle: r.userHandle ? toBase64url(r.userHandle) : null
      },
      extensions: extensions(credential)
    };
  }

  // The browser's own refusals (the user cancelled, the time ran out) read as "cancelled".
  function messageOf(error, box) {
    if (error && (error.name === "NotAllowedError" || error.name === "AbortError")) {
      return box.dataset.cancelled;
    }
    if (error && error.name === "InvalidStateError") { return box.dataset.duplicate; }
    return (error && error.message) || box.dataset.failed;
  }

  function say(box, text, isError) {
    var status = box.querySelector("[data-passkey-status]");
    if (!status) { return; }
    status.textContent = text;
    status.classList.toggle("error", !!isError);
  }

  function busy(control, on) {
    if (control) { control.disabled = on; control.setAttribute("aria-busy", on ? "true" : "false"); }
  }

  function register(box, form) {
    var button = form.querySelector("button[type=submit]");
    var name = form.querySelector("input[name=name]").value;
    var token = box.dataset.csrf;
    busy(button, true);
    say(box, box.dataset.working, false);
    post(box.dataset.start, token, { name: name }, box.dataset.failed)
      .then(function (options) { return navigator.credentials.create(creationOptions(options)); })
      .then(function (credential) {
        return post(box.dataset.finish, token, { credential: attestation(credential) }, box.dataset.failed);
      })
      .then(function (answer) { window.location.assign(answer.redirect); })
      .catch(function (error) { busy(button, false); say(box, messageOf(error, box), true); });
  }

  function signIn(box, button) {
    var token = box.dataset.csrf;
    busy(button, true);
    say(box, box.dataset.working, false);
    post(box.dataset.start, token, {}, box.dataset.failed)
      .then(function (options) { return navigator.credentials.get(requestOptions(options)); })
      .then(function (credential) {
        return post(box.dataset.finish, token, { credential: assertion(credential), next: box.dataset.next || "" },
          box.dataset.failed);
      })
      .then(function (answer) { window.location.assign(answer.redirect); })
      .catch(function (error) { busy(button, false); say(box, messageOf(error, box), true); });
  }

  function init() {
    var supported = !!(window.PublicKeyCredential && navigator.credentials && navigator.credentials.create);
    document.querySelectorAll("[data-passkeys]").forEach(function (box) {
      var ui = box.querySelector("[data-passkey-ui]");
      var unsupported = box.querySelector("[data-passkey-unsupported]");
      if (!supported) { if (unsupported) { unsupported.hidden = false; } return; }
      if (ui) { ui.hidden = false; }
      var form = box.querySelector("form[data-passkey-register]");
      if (form) {
        form.addEventListener("submit", function (event) { event.preventDefault(); register(box, form); });
      }
      var button = box.querySelector("button[data-passkey-sign-in]");
      if (button) {
        button.addEventListener("click", function (event) { event.preventDefault(); signIn(box, button); });
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
