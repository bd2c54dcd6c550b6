// The default return_to of a SAML sign-in: a page that trades the one-time code for tokens (POST, so no token ever
// travels in a URL) and hands the access token to Swagger UI the way its persistAuthorization keeps it (localStorage
// "authorized", the bearer scheme's entry as the Authorize dialog stores it), then opens /docs. Its script is served
// from its own route, so the page needs nothing beyond the API's CSP (script-src 'self'). Addresses are relative to
// /api/v1/auth/saml/complete, so a PUBLIC_URL with a path prefix works too.

export const COMPLETE_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="referrer" content="no-referrer">
<title>Signing in to Conduit</title>
<script src="complete.js" defer></script>
</head>
<body>
<p id="status">Signing you in…</p>
</body>
</html>
`;

export const COMPLETE_SCRIPT = `(function () {
  var status = document.getElementById('status');
  var params = new URLSearchParams(window.location.search);
  var code = params.get('code');
  // Out of the address bar and history at once: the code is single use, but it need not linger.
  window.history.replaceState(null, '', window.location.pathname);
  if (!code) { status.textContent = 'No sign-in code: start again from your identity provider.'; return; }
  fetch('exchange', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ code: code }),
    credentials: 'same-origin'
  }).then(function (res) {
    return res.json().then(function (body) { return { ok: res.ok, body: body }; });
  }).then(function (result) {
    if (!result.ok || !result.body.access_token) {
      var error = result.body && result.body.error;
      status.textContent = 'Sign-in failed: ' + (error ? error.code + ': ' + error.message : 'unexpected answer');
      return;
    }
    var authorized = {
      bearer: {
        name: 'bearer',
        schema: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        value: result.body.access_token
      }
    };
    window.localStorage.setItem('authorized', JSON.stringify(authorized));
    window.location.replace('../../../../docs');
  }).catch(function () {
    status.textContent = 'Sign-in failed: the service did not answer.';
  });
})();
`;

export const SIGNED_OUT_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Signed out of Conduit</title></head>
<body><p>You are signed out.</p></body>
</html>
`;

const escapeHtml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** What a browser is shown when the ACS refuses a sign-in: the code and message, as the JSON body would say. */
export function refusalPage(code: string, message: string, requestId: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Sign-in refused</title></head>
<body>
<h1>Sign-in refused</h1>
<p>${escapeHtml(message)}</p>
<p>Code: <code>${escapeHtml(code)}</code> · request id <code>${escapeHtml(requestId)}</code></p>
</body>
</html>
`;
}
