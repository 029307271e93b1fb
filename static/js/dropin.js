// Progressive enhancement only: every page works without this file.
import { initAll } from "../vendor/nhsuk-frontend-10.6.1/nhsuk-frontend.min.js";

document.body.classList.add("js-enabled", "nhsuk-frontend-supported");
initAll();

// The tally: press without reloading the page. Without JavaScript the same form posts and reloads.
// The status beside the buttons shows what the server said after each press, and is read out.
for (const form of document.querySelectorAll("[data-tally-form]")) {
  const message = form.querySelector("[data-tally-message]");
  const staffGroup = form.querySelector("[name=staff_group]");
  let showing;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = new FormData(form);
    if (event.submitter && event.submitter.name) body.append(event.submitter.name, event.submitter.value);
    try {
      // form.action would be the buttons named "action"; read the attribute.
      const response = await fetch(form.getAttribute("action"), { method: "POST", body, headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(String(response.status));
      const counts = await response.json();
      for (const name of ["waiting", "in_session", "seen", "not_seen"]) {
        const cell = document.querySelector(`[data-count="${name}"]`);
        if (cell) cell.textContent = counts[name];
      }
      if (staffGroup && event.submitter && event.submitter.value === "finished") {
        staffGroup.value = "";  // each person's group is chosen afresh, as after a reload without JavaScript
      }
      if (message) {
        // Emptied first, so the same words after a second press show and are read out again.
        window.clearTimeout(showing);
        message.textContent = "";
        message.classList.toggle("dropin-tally__status--refused", Boolean(counts.refused));
        showing = window.setTimeout(() => { message.textContent = counts.message; }, 100);
      }
    } catch (error) {
      // Fall back to the plain form post, carrying the pressed button's value.
      if (event.submitter && event.submitter.name) {
        const pressed = document.createElement("input");
        Object.assign(pressed, { type: "hidden", name: event.submitter.name, value: event.submitter.value });
        form.append(pressed);
      }
      form.submit();
    }
  });
}

// Copy buttons: shown only when JavaScript can copy; without it the address is there to select.
for (const button of document.querySelectorAll("[data-copy]")) {
  const source = document.getElementById(button.dataset.copy);
  if (!source || !navigator.clipboard) continue;
  button.hidden = false;
  button.addEventListener("click", async () => {
    await navigator.clipboard.writeText(source.value ?? source.textContent);
    button.textContent = "Copied";
  });
}
