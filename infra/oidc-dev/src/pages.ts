import type { DemoUser } from './provider';

/** The provider's two HTML pages (Dutch): every value is escaped, so no parameter becomes markup. */

function html(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

function page(title: string, content: string): string {
  return `<!doctype html>
<html lang="nl">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${html(title)}</title><link rel="stylesheet" href="/login.css"></head>
<body><main>${content}</main></body>
</html>`;
}

/** Parameters of the authorization request that the form sends back with the chosen user. */
const carried = [
  'response_type',
  'client_id',
  'redirect_uri',
  'scope',
  'state',
  'nonce',
  'code_challenge',
  'code_challenge_method',
];

/**
 * Pick a demo user: one button per person, grouped by organisation. The request's parameters
 * travel along in hidden fields and are checked again when the form comes back.
 */
export function loginPage(users: readonly DemoUser[], params: URLSearchParams, hint: string | null): string {
  const hidden = carried
    .map((name) => [name, params.get(name)] as const)
    .filter((entry): entry is readonly [string, string] => entry[1] !== null)
    .map(([name, value]) => `<input type="hidden" name="${name}" value="${html(value)}">`)
    .join('');
  const organisations = [...new Set(users.map((u) => u.organisatie))];
  const groups = organisations
    .map((org) => {
      const items = users
        .filter((u) => u.organisatie === org)
        .map(
          (u) =>
            `<li><button type="submit" name="gebruiker" value="${html(u.sub)}"${u.sub === hint ? ' autofocus' : ''}>` +
            `${html(u.name)} <span class="rol">· ${html(u.functie)} (rol ${html(u.roles.join(', '))})</span></button></li>`,
        )
        .join('');
      return `<h2>${html(org)}</h2><ul>${items}</ul>`;
    })
    .join('');
  return page(
    'Inloggen · demo-identiteitsprovider',
    `<h1>Inloggen bij je organisatie</h1>
<p class="let-op">Demo-identiteitsprovider van Ketenhub: kies een medewerker. Er is geen wachtwoord; gebruik dit nooit buiten je eigen machine.</p>
<form method="post" action="/authorize">${hidden}${groups}</form>`,
  );
}

export function problemPage(message: string): string {
  return page('Inloggen mislukt', `<h1>Inloggen mislukt</h1><p>${html(message)}</p>`);
}
