// Entry point: mounts the app into index.html's #root.
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App.tsx";
import "./styles.css";

const root = document.getElementById("root");
if (!root) throw new Error('index.html has no <div id="root">; the app has nowhere to render.');

createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
