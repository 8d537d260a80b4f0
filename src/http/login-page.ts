// The one page served before a login: a plain form (no script), posted to /login.

export function loginPage(failed: boolean): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>respite — log in</title>
<style>
  body { font: 15px system-ui, sans-serif; background: #f4f5f7; color: #1d2330; display: grid; place-items: center; min-height: 100vh; margin: 0; }
  form { background: #fff; padding: 28px 32px; border-radius: 8px; box-shadow: 0 1px 4px #0002; width: 300px; }
  h1 { font-size: 20px; margin: 0 0 4px; }
  p { margin: 0 0 18px; color: #5a6275; font-size: 13px; }
  label { display: block; margin: 12px 0 4px; font-size: 13px; }
  input { width: 100%; box-sizing: border-box; padding: 8px; border: 1px solid #c9ced8; border-radius: 4px; font: inherit; }
  button { margin-top: 18px; width: 100%; padding: 9px; border: 0; border-radius: 4px; background: #b3261e; color: #fff; font: inherit; cursor: pointer; }
  .error { color: #b3261e; margin-top: 12px; font-size: 13px; }
</style>
</head>
<body>
<form method="post" action="/login">
  <h1>respite</h1>
  <p>Log in with a user of the server (ACL user and password).</p>
  <label for="username">User</label>
  <input id="username" name="username" value="default" autocomplete="username">
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" autofocus>
  <button type="submit">Log in</button>
  ${failed ? '<div class="error" role="alert">Invalid username or password.</div>' : ''}
</form>
</body>
</html>
`;
}
