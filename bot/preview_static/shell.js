// The shell around SimCord's preview page: which conversation is shown, the demo clock, new-DM badges.
const capability = location.hash.slice(1);
const headers = { "X-Latch-Capability": capability };
const frame = document.getElementById("frame");
const status = document.getElementById("status");
const clockFormat = new Intl.DateTimeFormat("en-GB", {
  weekday: "short", day: "numeric", month: "short", year: "numeric",
  hour: "2-digit", minute: "2-digit", second: "2-digit", timeZone: "UTC",
});
let shownFrame = null;

async function call(path, body) {
  const init = body === undefined
    ? { headers, cache: "no-store" }
    : { method: "POST", headers: { ...headers, "Content-Type": "application/json" }, body: JSON.stringify(body), cache: "no-store" };
  const response = await fetch(path, init);
  if (!response.ok) throw new Error(`${path} answered ${response.status}`);
  return response.json();
}

function viewButton(view, current) {
  const item = document.createElement("li");
  const button = document.createElement("button");
  button.type = "button";
  button.className = "view";
  button.dataset.view = view.key;
  const name = document.createElement("span");
  name.className = "view-name";
  name.textContent = view.kind === "channel" ? `# ${view.label}` : view.label;
  button.append(name);
  if (view.key === current) button.setAttribute("aria-current", "page");
  if (view.unread > 0) {
    const badge = document.createElement("span");
    badge.className = "badge";
    badge.textContent = String(view.unread);
    badge.setAttribute("aria-label", `${view.unread} new`);
    button.append(badge);
  }
  button.addEventListener("click", () => act(() => call("/latch/api/view", { view: view.key })));
  item.append(button);
  return item;
}

function render(state) {
  document.getElementById("server-name").textContent = state.server;
  document.getElementById("bot-name").textContent = state.bot;
  document.getElementById("clock").textContent = `${clockFormat.format(new Date(state.now))} UTC`;
  const channels = state.views.filter((view) => view.kind === "channel");
  const dms = state.views.filter((view) => view.kind === "dm");
  document.getElementById("channels").replaceChildren(...channels.map((view) => viewButton(view, state.view)));
  document.getElementById("dms").replaceChildren(...dms.map((view) => viewButton(view, state.view)));
  const current = state.views.find((view) => view.key === state.view);
  document.getElementById("view-title").textContent = current
    ? (current.kind === "channel" ? `in #${current.label}` : `· ${current.label}`) : "";
  if (state.frame && state.frame !== shownFrame) {
    shownFrame = state.frame;
    frame.src = state.frame;
  }
}

async function act(request) {
  try {
    render(await request());
    status.textContent = "";
  } catch (_) {
    status.textContent = "The preview did not answer. Is it still running?";
  }
}

async function poll() {
  await act(() => call("/latch/api/state"));
  setTimeout(poll, 1000);
}

for (const button of document.querySelectorAll("[data-skip]")) {
  button.addEventListener("click", () => act(() => call("/latch/api/skip", { seconds: Number(button.dataset.skip) })));
}
if (!capability) status.textContent = "Open this page from the address the preview printed (it ends in #…).";
else poll();
