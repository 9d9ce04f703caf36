// Gatehouse's one script: the WebAuthn ceremonies the pages cannot do with a plain form.
// Everything else works without it; passkey buttons stay hidden where this does not run or the
// browser has no WebAuthn. Served from /assets/ under the pages' CSP (script-src 'self').
//
//   [data-webauthn=sign-in]     /login: a passwordless sign-in through the JSON API, then the
//                               page session (/api/v1/auth/page-session?next=…)
//   form[data-webauthn=second-step]  /login/mfa: options from the page, the assertion goes in the
//                               form's hidden `webauthn` field and the form is posted as usual
//   form[data-webauthn=register]     /account: options from the page (re-authenticated with the
//                               form's password), the attestation goes in the hidden `response` field
//
// It holds no text of its own: what it says comes, in the reader's language, from its tag's
// `data-messages` (JSON: cancelled, failed, error, and codes by problem code; see layout.ts).
'use strict';
(function () {
  if (!window.PublicKeyCredential || !navigator.credentials) return;

  const tag = document.currentScript;
  let messages = {};
  try { messages = JSON.parse((tag && tag.getAttribute('data-messages')) || '{}') || {}; } catch { messages = {}; }
  const codes = messages.codes || {};

  function toBase64url(buffer) {
    const bytes = new Uint8Array(buffer);
    let text = '';
    for (let i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
    return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }
  function fromBase64url(value) {
    const text = atob(value.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((value.length + 3) % 4));
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    return bytes.buffer;
  }
  function descriptors(list) {
    return (list || []).map(function (d) { return Object.assign({}, d, { id: fromBase64url(d.id) }); });
  }
  function requestOptions(o) {
    return Object.assign({}, o, { challenge: fromBase64url(o.challenge), allowCredentials: descriptors(o.allowCredentials) });
  }
  function creationOptions(o) {
    return Object.assign({}, o, {
      challenge: fromBase64url(o.challenge),
      user: Object.assign({}, o.user, { id: fromBase64url(o.user.id) }),
      excludeCredentials: descriptors(o.excludeCredentials),
    });
  }
  function common(credential) {
    return {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      clientExtensionResults: credential.getClientExtensionResults(),
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
    };
  }
  function assertionJSON(credential) {
    const r = credential.response;
    return Object.assign(common(credential), {
      response: {
        clientDataJSON: toBase64url(r.clientDataJSON),
        authenticatorData: toBase64url(r.authenticatorData),
        signature: toBase64url(r.signature),
        userHandle: r.userHandle ? toBase64url(r.userHandle) : undefined,
      },
    });
  }
  function attestationJSON(credential) {
    const r = credential.response;
    return Object.assign(common(credential), {
      response: {
        clientDataJSON: toBase64url(r.clientDataJSON),
        attestationObject: toBase64url(r.attestationObject),
        transports: r.getTransports ? r.getTransports() : [],
      },
    });
  }

  async function post(url, body, asForm) {
    const response = await fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: asForm ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
      body: asForm ? new URLSearchParams(body) : JSON.stringify(body),
    });
    const data = await response.json().catch(function () { return {}; });
    if (!response.ok) {
      // the refusal in the reader's words by its problem code (the API's own detail is English)
      const refused = new Error(Object.prototype.hasOwnProperty.call(codes, data.code) ? codes[data.code] : messages.failed);
      refused.name = 'Refused';
      throw refused;
    }
    return data;
  }

  function reporter(scope) {
    const box = scope.querySelector('[data-webauthn-error]');
    return function (error) {
      const cancelled = error && (error.name === 'NotAllowedError' || error.name === 'AbortError');
      const message = cancelled ? messages.cancelled : error && error.name === 'Refused' ? error.message : messages.error;
      if (box) { box.textContent = message; box.hidden = false; } else { window.alert(message); }
    };
  }

  function field(form, name) {
    const input = form.elements.namedItem(name);
    return input && 'value' in input ? input : null;
  }

  document.querySelectorAll('[data-webauthn]').forEach(function (element) {
    element.hidden = false;
    const mode = element.getAttribute('data-webauthn');
    const report = reporter(element.closest('[data-webauthn-scope]') || element);

    if (mode === 'sign-in') {
      element.addEventListener('click', async function (event) {
        event.preventDefault();
        try {
          const started = await post('/api/v1/auth/login/passkey/options', {}, false);
          const credential = await navigator.credentials.get({ publicKey: requestOptions(started.options) });
          await post('/api/v1/auth/login/passkey', { challenge_id: started.challenge_id, response: assertionJSON(credential) }, false);
          const next = element.getAttribute('data-next') || '/dashboard';
          window.location.assign('/api/v1/auth/page-session?next=' + encodeURIComponent(next));
        } catch (error) { report(error); }
      });
    }

    if (mode === 'second-step' || mode === 'register') {
      element.addEventListener('submit', async function (event) {
        if (element.dataset.ready === 'yes') return; // the second, real submission
        event.preventDefault();
        try {
          const params = { _csrf: field(element, '_csrf').value };
          const password = field(element, 'password');
          if (password) params.password = password.value;
          const options = await post(element.getAttribute('data-options'), params, true);
          if (mode === 'second-step') {
            const credential = await navigator.credentials.get({ publicKey: requestOptions(options) });
            field(element, 'webauthn').value = JSON.stringify(assertionJSON(credential));
          } else {
            const credential = await navigator.credentials.create({ publicKey: creationOptions(options) });
            field(element, 'response').value = JSON.stringify(attestationJSON(credential));
            if (password) password.value = '';
          }
          element.dataset.ready = 'yes';
          element.submit();
        } catch (error) { report(error); }
      });
    }
  });
})();
