/*
 * The portal's pages in the browser: sign-in and registration with the AUTH key (C1), uploads
 * of the request's documents (P3), and signing the request e-document (P4-P6, C2). Every call
 * goes to the JSON API the page's server also documents at /api/v1/openapi.json; signing goes
 * through egovsim's NCALayer socket (static/ncalayer.js). No framework, no CDN.
 */
(function () {
  "use strict";

  var lang = document.documentElement.lang || "ru";

  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  function toBase64(buffer) {
    var bytes = new Uint8Array(buffer);
    var text = "";
    for (var i = 0; i < bytes.length; i += 0x8000) {
      text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    }
    return btoa(text);
  }

  /** A refusal of the API as the page shows it: the message in the page's language. */
  function refusalOf(body, status) {
    var error = body && body.error;
    if (!error) {
      return { message: "HTTP " + status, code: "", step: "", details: {} };
    }
    var message = (error.message && (error.message[lang] || error.message.en)) || error.code;
    return { message: message, code: error.code, step: error.step, details: error.details || {} };
  }

  function call(method, url, body, headers, raw) {
    var init = { method: method, credentials: "same-origin", headers: headers || {} };
    if (body !== undefined) {
      init.body = body;
    }
    if (method !== "GET") {
      init.headers["X-CSRF-Token"] = csrf();
    }
    return fetch(url, init).then(function (reply) {
      var type = reply.headers.get("Content-Type") || "";
      var json = type.indexOf("json") >= 0 && !(raw && reply.ok);
      var read = json ? reply.json() : reply.arrayBuffer();
      return read.then(function (data) {
        if (!reply.ok) {
          throw refusalOf(data, reply.status);
        }
        return data;
      });
    });
  }

  function postJson(url, value) {
    return call("POST", url, JSON.stringify(value), { "Content-Type": "application/json" });
  }

  function show(box, refusal) {
    if (!box) {
      return;
    }
    var text = refusal.code ? refusal.message + " (" + refusal.code + ", " + refusal.step + ")" : refusal.message;
    var detail = refusal.details && refusal.details.report && refusal.details.report.message;
    if (refusal.code === "AUTH_SIGNATURE_REFUSED" && detail) {
      text += " — " + (detail[lang] || detail.en);
    }
    var title = box.querySelector("[data-message]");
    if (title) {
      title.textContent = refusal.message;
      box.querySelector("[data-code]").textContent = refusal.code;
      box.querySelector("[data-step]").textContent = refusal.step;
    } else {
      box.textContent = text;
    }
    box.dataset.code = refusal.code || "";
    box.hidden = false;
    box.focus && box.focus();
  }

  function asRefusal(failure) {
    if (failure && failure.name === "NCALayerError") {
      return { message: failure.message, code: failure.canceled ? "" : "NCALAYER", step: "P4", details: {} };
    }
    return failure && failure.message !== undefined ? failure : { message: String(failure), code: "", step: "", details: {} };
  }

  /** The tsaProfile a page gives NCALayer (`serve --portal-timestamps`); {} asks for none. */
  function tsaProfile(element) {
    return element.dataset.tsaProfile ? JSON.parse(element.dataset.tsaProfile) : {};
  }

  /** C1: the challenge, signed with the AUTH key, with the login and the password. */
  function signIn(form, endpoint, done) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var box = form.querySelector("[data-refusal]");
      box.hidden = true;
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      call("POST", "/api/v1/auth/challenge")
        .then(function (challenge) {
          return window.egovsimSign(challenge.nonce, "AUTHENTICATION", true, tsaProfile(form)).then(function (cms) {
            return postJson(endpoint, {
              login: form.elements.login.value.trim(),
              password: form.elements.password.value,
              challenge_id: challenge.challenge_id,
              signature: cms
            });
          });
        })
        .then(done)
        .catch(function (failure) {
          var refusal = asRefusal(failure);
          if (refusal.message === "action.canceled") {
            return;
          }
          show(box, refusal);
        })
        .finally(function () {
          button.disabled = false;
        });
    });
  }

  function setUpLogin() {
    var form = document.getElementById("login-form");
    if (form) {
      signIn(form, "/api/v1/auth/login", function () {
        window.location.assign(form.dataset.next || "/cabinet");
      });
    }
    var register = document.getElementById("register-form");
    if (register) {
      signIn(register, "/api/v1/auth/register", function () {
        register.querySelector("[data-done]").hidden = false;
      });
    }
  }

  /** P3: each document's copy goes to the API as it is, with its name and type. */
  function setUpUploads() {
    var box = document.querySelector("[data-upload-refusal]");
    document.querySelectorAll("form[data-upload]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var file = form.elements.file.files[0];
        if (!file) {
          return;
        }
        box.hidden = true;
        call("POST", form.dataset.upload, file, {
          "Content-Type": file.type || "application/octet-stream",
          "X-File-Name": encodeURIComponent(file.name)
        })
          .then(function () { window.location.reload(); })
          .catch(function (failure) { show(box, asRefusal(failure)); });
      });
    });
  }

  /**
   * P4-P6: the e-document, signed attached with the chosen key (then, for a company, a second
   * person's key when the page asks); C2 answers.
   */
  function setUpSigning() {
    var button = document.getElementById("sign-button");
    if (!button) {
      return;
    }
    var box = document.querySelector("[data-sign-refusal]");
    button.addEventListener("click", function () {
      box.hidden = true;
      button.disabled = true;
      // The e-document's exact bytes are what is signed: read them raw, never re-serialized.
      var profile = tsaProfile(button);
      var cosigned = document.querySelector("[data-cosign]");
      call("GET", button.dataset.document, undefined, {}, true)
        .then(function (documentBytes) {
          return window.egovsimSign(toBase64(documentBytes), "", true, profile);
        })
        .then(function (cms) {
          // A company's second signer (the chief accountant) adds theirs to the same CMS.
          return cosigned && cosigned.checked ? window.egovsimCoSign(cms, "SIGNATURE", "", profile) : cms;
        })
        .then(function (cms) { return postJson(button.dataset.signature, { cms: cms }); })
        .then(function () { window.location.reload(); })
        .catch(function (failure) {
          var refusal = asRefusal(failure);
          if (refusal.message === "action.canceled") {
            return;
          }
          show(box, refusal);
          var list = box.querySelector("[data-failed-checks]");
          list.textContent = "";
          var report = refusal.details && refusal.details.report;
          (report && report.checks || []).forEach(function (check) {
            if (check.status !== "passed") {
              var item = document.createElement("li");
              item.textContent = check.name + ": " + check.status + (check.detail ? " — " + check.detail : "");
              list.appendChild(item);
            }
          });
        })
        .finally(function () { button.disabled = false; });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpLogin();
    setUpUploads();
    setUpSigning();
  });
})();
