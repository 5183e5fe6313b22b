/** The part of the object VS Code injects into a webview that this app uses. */
export interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare global {
  /** Callable once per page load; VS Code throws on a second call. */
  function acquireVsCodeApi(): VsCodeApi;
}
