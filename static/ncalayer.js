/*
 * egovsim's NCALayer client for its own pages: no framework, no CDN.
 *
 * It speaks NCALayer's protocol on the page's own origin (ws(s)://host/ncalayer). Before signing
 * it asks, in the key dialog of templates/_ncalayer_dialog.html, which key set to use and its
 * password, as NCALayer's own window does. A page without the dialog signs with the key set
 * that is current on the server.
 *
 *   const cms = await egovsimSign(base64Data, "SIGNATURE");       // base64 CMS, detached
 *   const cms = await egovsimSign(base64Data, "", true);          // any key, data attached
 *   const pem = await egovsimSign(base64Data, "", true, {policy: "1.2.398.3.3.2.6.1"}); // CAdES-T
 *   const both = await egovsimCoSign(cms, "SIGNATURE");           // a second person adds theirs
 *   const xml = await egovsimSignXml("<request>...</request>", "SIGNATURE");
 *
 * A cancelled dialog rejects with an NCALayerError whose `canceled` is true and whose message
 * is NCALayer's "action.canceled".
 */
(function (global) {
  "use strict";

  var COMMON_UTILS = "kz.gov.pki.knca.commonUtils";
  var BASICS = "kz.gov.pki.knca.basics";
  var KEYS = "kz.egovsim.keys";
  var CMS = "kz.egovsim.cms";
  /** The extended key usages basics' signerParams asks for, by commonUtils' key type. */
  var KEY_USAGE_OIDS = {
    SIGNATURE: ["1.3.6.1.5.5.7.3.4"],
    AUTHENTICATION: ["1.3.6.1.5.5.7.3.2"]
  };
  var STORAGE = "PKCS12";
  var CANCELED = "action.canceled";
  var DIALOG_ID = "egovsim-ncalayer";
  var TEXTS_ID = "egovsim-ncalayer-texts";

  /** What the signer refused, with NCALayer's code and words; `canceled` when the user was. */
  class NCALayerError extends Error {
    constructor(message, canceled) {
      super(message);
      this.name = "NCALayerError";
      this.canceled = Boolean(canceled);
    }
  }

  /** The socket on the page's own origin. */
  function socketUrl() {
    var location = global.location;
    return (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ncalayer";
  }

  /**
   * One connection to the signer. Answers come back in the order requests were sent, so each
   * request waits for the next message.
   */
  function Connection(url) {
    this.url = url || socketUrl();
    this.socket = null;
    this.ready = null;
    this.waiting = [];
  }

  Connection.prototype.open = function () {
    var self = this;
    if (self.ready) {
      return self.ready;
    }
    self.ready = new Promise(function (resolve, reject) {
      var socket = new global.WebSocket(self.url);
      self.socket = socket;
      self.waiting = [{
        resolve: function (text) {
          var greeting = JSON.parse(text);
          if (!greeting.result || !greeting.result.version) {
            reject(new NCALayerError("the signer did not greet as NCALayer does"));
            return;
          }
          resolve(greeting.result.version);
        },
        reject: reject
      }];
      socket.onmessage = function (event) {
        var next = self.waiting.shift();
        if (next) {
          next.resolve(event.data);
        }
      };
      socket.onerror = function () {
        self.fail(new NCALayerError("cannot reach the signer at " + self.url));
      };
      socket.onclose = function () {
        self.fail(new NCALayerError("the signer closed the connection"));
      };
    });
    return self.ready;
  };

  Connection.prototype.fail = function (error) {
    var waiting = this.waiting;
    this.waiting = [];
    this.ready = null;
    this.socket = null;
    waiting.forEach(function (entry) { entry.reject(error); });
  };

  Connection.prototype.close = function () {
    if (this.socket) {
      this.socket.close();
    }
  };

  /** Send one request; resolve with the parsed answer, whatever its code. */
  Connection.prototype.request = function (message) {
    var self = this;
    return self.open().then(function () {
      return new Promise(function (resolve, reject) {
        self.waiting.push({
          resolve: function (text) { resolve(JSON.parse(text)); },
          reject: reject
        });
        self.socket.send(JSON.stringify(message));
      });
    });
  };

  /** A commonUtils-shaped call: its responseObject, or an NCALayerError "code: message". */
  Connection.prototype.call = function (module, method, args) {
    return this.request({ module: module, method: method, args: args || [] }).then(
      function (answer) {
        if (answer.code !== "200") {
          var canceled = answer.message === CANCELED;
          throw new NCALayerError(answer.code + ": " + answer.message, canceled);
        }
        return answer.responseObject;
      }
    );
  };

  Connection.prototype.listKeys = function () {
    return this.call(KEYS, "list", []);
  };

  Connection.prototype.chooseKey = function (personaId, password) {
    return this.call(KEYS, "choose", [personaId, password]);
  };

  Connection.prototype.forgetKey = function () {
    return this.call(KEYS, "forget", []);
  };

  /** A CMS (base64) over base64 data with the chosen key set. */
  Connection.prototype.sign = function (base64Data, keyType, attached) {
    var args = [STORAGE, keyType || "", base64Data, Boolean(attached)];
    return this.call(COMMON_UTILS, "createCAdESFromBase64", args);
  };

  /**
   * A CMS (PEM) over base64 data by basics' sign, which takes NCALayer's tsaProfile: {} signs
   * as the captured exchanges do, a profile asks for a timestamp on the signature (CAdES-T).
   */
  Connection.prototype.signCms = function (base64Data, keyType, attached, tsaProfile) {
    var args = {
      allowedStorages: [STORAGE],
      format: "cms",
      data: base64Data,
      signingParams: { decode: true, encapsulate: Boolean(attached), digested: false, tsaProfile: tsaProfile || {} },
      signerParams: { extKeyUsageOids: KEY_USAGE_OIDS[keyType] || [] },
      locale: global.document && global.document.documentElement.lang || "ru"
    };
    return this.request({ module: BASICS, method: "sign", args: args }).then(function (answer) {
      if (answer.status !== true) {
        throw new NCALayerError(answer.code + ": " + (answer.details || answer.message), false);
      }
      return answer.body.result;
    });
  };

  /** The CMS with the chosen key set's signature added after the earlier ones (base64). */
  Connection.prototype.addSigner = function (cms, keyType, base64Data, tsaProfile) {
    return this.call(CMS, "addSigner", [keyType || "", cms, base64Data || "", tsaProfile || {}]);
  };

  /** An XML document with an enveloped signature. */
  Connection.prototype.signXml = function (xml, keyType) {
    return this.call(COMMON_UTILS, "signXml", [STORAGE, keyType || "", xml, "", ""]);
  };

  // -- the key dialog -----------------------------------------------------------------------

  function texts() {
    var block = global.document && global.document.getElementById(TEXTS_ID);
    return block ? JSON.parse(block.textContent) : {};
  }

  function element(tag, className, text) {
    var node = global.document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text) {
      node.textContent = text;
    }
    return node;
  }

  function describe(key, words) {
    var parts = [key.iin ? (words.iin || "IIN") + " " + key.iin : ""];
    if (key.bin) {
      var organization = key.organization ? ", " + key.organization : "";
      parts.push((words.bin || "BIN") + " " + key.bin + organization);
    }
    var usages = key.usages.map(function (usage) {
      return usage === "sign"
        ? (words.usage_sign || "signing")
        : (words.usage_auth || "authentication");
    });
    parts.push(usages.join(" + "));
    var details = element("span", "ncalayer-key-details", parts.filter(Boolean).join(" · "));
    var until = key.keys.length ? key.keys[0].notAfter : null;
    if (until) {
      // The date is one unit: a line may break before it, never inside it at a hyphen.
      details.appendChild(document.createTextNode(" · "));
      var date = element("time", "ncalayer-key-until", (words.valid_until || "valid until") + " " + until.slice(0, 10));
      date.dateTime = until;
      details.appendChild(date);
    }
    return details;
  }

  function fillKeys(dialog, listing, keyType, words) {
    var holder = dialog.querySelector("[data-role=keys]");
    holder.textContent = "";
    var needed = keyType === "SIGNATURE" ? "sign" : keyType === "AUTHENTICATION" ? "auth" : null;
    listing.keys.forEach(function (key) {
      var id = DIALOG_ID + "-key-" + key.id;
      var row = element("div", "ncalayer-key");
      var input = element("input");
      input.type = "radio";
      input.name = "persona";
      input.id = id;
      input.value = key.id;
      var usable = !needed || key.usages.indexOf(needed) >= 0;
      input.disabled = !usable;
      input.checked = usable && key.id === listing.current;
      var label = element("label");
      label.htmlFor = id;
      label.appendChild(element("strong", "", key.name));
      label.appendChild(describe(key, words));
      if (!usable) {
        var missing = words.no_key_of_type || "no key of this type";
        label.appendChild(element("span", "ncalayer-key-missing", missing));
      }
      row.appendChild(input);
      row.appendChild(label);
      holder.appendChild(row);
    });
  }

  /**
   * Ask which key set to sign with and its password; resolve once the signer has opened it on
   * this connection. Without the dialog on the page, the server's current key set is used.
   */
  function pickKey(connection, keyType) {
    var dialog = global.document && global.document.getElementById(DIALOG_ID);
    if (!dialog || typeof dialog.showModal !== "function") {
      return Promise.resolve(null);
    }
    if (dialog.open) {
      return Promise.reject(new NCALayerError("the key dialog is already open"));
    }
    var words = texts();
    return connection.listKeys().then(function (listing) {
      fillKeys(dialog, listing, keyType, words);
      var form = dialog.querySelector("form");
      var password = dialog.querySelector("input[type=password]");
      var error = dialog.querySelector("[data-role=error]");
      var cancel = dialog.querySelector("[data-role=cancel]");
      var submit = dialog.querySelector("button[type=submit]");
      var previous = global.document.activeElement;
      password.value = "";
      error.hidden = true;
      error.textContent = "";

      return new Promise(function (resolve, reject) {
        function finish() {
          form.removeEventListener("submit", onSubmit);
          cancel.removeEventListener("click", onCancel);
          dialog.removeEventListener("cancel", onCancel);
          if (dialog.open) {
            dialog.close();
          }
          if (previous && typeof previous.focus === "function") {
            previous.focus();
          }
        }
        function showError(message) {
          error.textContent = message;
          error.hidden = false;
          password.focus();
          password.select();
        }
        function onCancel(event) {
          event.preventDefault();
          finish();
          reject(new NCALayerError(CANCELED, true));
        }
        function onSubmit(event) {
          event.preventDefault();
          var chosen = form.querySelector("input[name=persona]:checked");
          if (!chosen) {
            showError(words.choose_a_key || "Choose a key.");
            return;
          }
          submit.disabled = true;
          connection.chooseKey(chosen.value, password.value).then(
            function (persona) {
              submit.disabled = false;
              finish();
              resolve(persona);
            },
            function (failure) {
              submit.disabled = false;
              var wrong = /password/i.test(failure.message);
              showError(wrong ? (words.wrong_password || failure.message) : failure.message);
            }
          );
        }
        form.addEventListener("submit", onSubmit);
        cancel.addEventListener("click", onCancel);
        dialog.addEventListener("cancel", onCancel);
        dialog.showModal();
        var checked = form.querySelector("input[name=persona]:checked");
        (checked || password).focus();
      });
    });
  }

  // -- what pages call --------------------------------------------------------------------

  var shared = null;

  function connection() {
    if (!shared) {
      shared = new Connection();
    }
    return shared;
  }

  /**
   * Sign base64 data after the key dialog; resolve with the CMS (base64, or PEM when a
   * non-empty tsaProfile asked for a timestamp through basics' sign).
   */
  function egovsimSign(base64Data, keyType, attached, tsaProfile) {
    var chosenType = keyType === undefined ? "SIGNATURE" : keyType;
    var signer = connection();
    var stamped = tsaProfile && Object.keys(tsaProfile).length > 0;
    return signer.open()
      .then(function () { return pickKey(signer, chosenType); })
      .then(function () {
        return stamped
          ? signer.signCms(base64Data, chosenType, attached, tsaProfile)
          : signer.sign(base64Data, chosenType, attached);
      });
  }

  /**
   * A second person signs the same document: the key dialog again, then their signature is
   * added to `cms` (base64 or PEM) after the earlier ones; resolve with the base64 CMS.
   */
  function egovsimCoSign(cms, keyType, base64Data, tsaProfile) {
    var chosenType = keyType === undefined ? "SIGNATURE" : keyType;
    var signer = connection();
    return signer.open()
      .then(function () { return pickKey(signer, chosenType); })
      .then(function () { return signer.addSigner(cms, chosenType, base64Data, tsaProfile); });
  }

  /** Sign an XML document after the key dialog; resolve with the signed document. */
  function egovsimSignXml(xml, keyType) {
    var chosenType = keyType === undefined ? "SIGNATURE" : keyType;
    var signer = connection();
    return signer.open()
      .then(function () { return pickKey(signer, chosenType); })
      .then(function () { return signer.signXml(xml, chosenType); });
  }

  global.egovsim = global.egovsim || {};
  global.egovsim.ncalayer = {
    Connection: Connection,
    NCALayerError: NCALayerError,
    pickKey: pickKey,
    sign: egovsimSign,
    coSign: egovsimCoSign,
    signXml: egovsimSignXml
  };
  global.egovsimSign = egovsimSign;
  global.egovsimCoSign = egovsimCoSign;
  global.egovsimSignXml = egovsimSignXml;
})(typeof window !== "undefined" ? window : globalThis);
