import "./styles.css";
import { startApp } from "./app.ts";

const root = document.getElementById("app");
if (root === null) throw new Error("index.html lacks #app");
startApp(root);

// The skip link targets #main, but the hash holds the route: move focus without navigating.
document.querySelector(".skip-link")?.addEventListener("click", (event) => {
  event.preventDefault();
  document.getElementById("main")?.focus();
});
