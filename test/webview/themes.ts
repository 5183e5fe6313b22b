/**
 * A subset of the variables VS Code sets on a webview's <html> (Dark Modern, Light Modern and
 * the two High Contrast themes), with the body class it sets alongside.
 *
 * The chart colours are those of VS Code 1.117: its colour registry
 * defines charts.blue as editorInfo.foreground, charts.red as editorError.foreground, charts.yellow
 * as editorWarning.foreground, charts.orange as minimap.findMatchHighlight (the editor's
 * find-match highlight, #EA5C0055 in dark and light, none in high contrast), and charts.green and
 * charts.purple per theme kind; the default themes' JSON overrides none of them. A colour with no
 * value is not set on the webview at all, so the High Contrast themes have no charts-orange.
 */
export interface Theme {
  readonly name: string;
  readonly bodyClass: 'vscode-dark' | 'vscode-light' | 'vscode-high-contrast' | 'vscode-high-contrast-light';
  readonly variables: Readonly<Record<string, string>>;
}

const common = {
  '--vscode-font-family': 'system-ui, sans-serif',
  '--vscode-font-size': '13px',
  '--vscode-editor-font-family': 'monospace',
  '--vscode-editor-font-size': '12px',
};

export const DARK: Theme = {
  name: 'dark-modern',
  bodyClass: 'vscode-dark',
  variables: {
    ...common,
    '--vscode-foreground': '#cccccc',
    '--vscode-editor-background': '#1f1f1f',
    '--vscode-descriptionForeground': '#9d9d9d',
    '--vscode-disabledForeground': '#808080',
    '--vscode-panel-border': '#2b2b2b',
    '--vscode-panel-background': '#181818',
    '--vscode-sideBar-background': '#181818',
    '--vscode-editorWidget-background': '#202020',
    '--vscode-editorWidget-border': '#313131',
    '--vscode-focusBorder': '#0078d4',
    '--vscode-charts-blue': '#59a4f9',
    '--vscode-charts-orange': '#ea5c0055',
    '--vscode-charts-green': '#89d185',
    '--vscode-charts-red': '#f14c4c',
    '--vscode-charts-purple': '#b180d7',
    '--vscode-charts-yellow': '#cca700',
    '--vscode-list-activeSelectionBackground': '#04395e',
    '--vscode-list-activeSelectionForeground': '#ffffff',
    '--vscode-list-inactiveSelectionBackground': '#37373d',
    '--vscode-list-hoverBackground': '#2a2d2e',
    '--vscode-input-background': '#313131',
    '--vscode-input-foreground': '#cccccc',
    '--vscode-input-border': '#3c3c3c',
    '--vscode-button-background': '#0078d4',
    '--vscode-button-foreground': '#ffffff',
    '--vscode-button-hoverBackground': '#026ec1',
    '--vscode-button-secondaryBackground': '#313131',
    '--vscode-button-secondaryForeground': '#cccccc',
    '--vscode-button-secondaryHoverBackground': '#3c3c3c',
    '--vscode-textLink-foreground': '#4daafc',
    '--vscode-textCodeBlock-background': '#2b2b2b',
    '--vscode-editorWarning-foreground': '#cca700',
    '--vscode-editorHoverWidget-background': '#202020',
    '--vscode-editorHoverWidget-foreground': '#cccccc',
    '--vscode-editorHoverWidget-border': '#454545',
    '--vscode-progressBar-background': '#0078d4',
    '--vscode-panelTitle-activeForeground': '#cccccc',
    '--vscode-panelTitle-activeBorder': '#0078d4',
    '--vscode-panelTitle-inactiveForeground': '#9d9d9d',
    '--vscode-settings-textInputBackground': '#313131',
    '--vscode-settings-textInputForeground': '#cccccc',
    '--vscode-settings-textInputBorder': '#3c3c3c',
  },
};

export const LIGHT: Theme = {
  name: 'light-modern',
  bodyClass: 'vscode-light',
  variables: {
    ...DARK.variables,
    '--vscode-foreground': '#3b3b3b',
    '--vscode-editor-background': '#ffffff',
    '--vscode-descriptionForeground': '#6e6e6e',
    '--vscode-disabledForeground': '#a0a0a0',
    '--vscode-panel-border': '#e5e5e5',
    '--vscode-panel-background': '#f8f8f8',
    '--vscode-sideBar-background': '#f8f8f8',
    '--vscode-editorWidget-background': '#f8f8f8',
    '--vscode-editorWidget-border': '#c8c8c8',
    '--vscode-focusBorder': '#005fb8',
    '--vscode-charts-blue': '#0063d3',
    '--vscode-charts-orange': '#ea5c0055',
    '--vscode-charts-green': '#388a34',
    '--vscode-charts-red': '#e51400',
    '--vscode-charts-purple': '#652d90',
    '--vscode-charts-yellow': '#bf8803',
    '--vscode-list-activeSelectionBackground': '#e8e8e8',
    '--vscode-list-activeSelectionForeground': '#000000',
    '--vscode-list-inactiveSelectionBackground': '#e4e6f1',
    '--vscode-list-hoverBackground': '#f2f2f2',
    '--vscode-input-background': '#ffffff',
    '--vscode-input-foreground': '#3b3b3b',
    '--vscode-input-border': '#cecece',
    '--vscode-button-secondaryBackground': '#e5e5e5',
    '--vscode-button-secondaryForeground': '#3b3b3b',
    '--vscode-button-secondaryHoverBackground': '#cccccc',
    '--vscode-textLink-foreground': '#005fb8',
    '--vscode-textCodeBlock-background': '#f2f2f2',
    '--vscode-editorWarning-foreground': '#bf8803',
    '--vscode-editorHoverWidget-background': '#f8f8f8',
    '--vscode-editorHoverWidget-foreground': '#3b3b3b',
    '--vscode-editorHoverWidget-border': '#c8c8c8',
    '--vscode-panelTitle-activeForeground': '#3b3b3b',
    '--vscode-panelTitle-inactiveForeground': '#6e6e6e',
    '--vscode-settings-textInputBackground': '#ffffff',
    '--vscode-settings-textInputForeground': '#3b3b3b',
    '--vscode-settings-textInputBorder': '#cecece',
  },
};

/** The variables of `theme` less `names` (colours a theme leaves unset). */
function without(variables: Readonly<Record<string, string>>, ...names: string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(variables).filter(([name]) => !names.includes(name)));
}

export const HIGH_CONTRAST: Theme = {
  name: 'high-contrast',
  bodyClass: 'vscode-high-contrast',
  variables: {
    ...without(DARK.variables, '--vscode-charts-orange'),
    '--vscode-foreground': '#ffffff',
    '--vscode-editor-background': '#000000',
    '--vscode-descriptionForeground': '#ffffff',
    '--vscode-panel-border': '#6fc3df',
    '--vscode-sideBar-background': '#000000',
    '--vscode-editorWidget-background': '#0c141f',
    '--vscode-editorWidget-border': '#6fc3df',
    '--vscode-focusBorder': '#f38518',
    '--vscode-charts-blue': '#59a4f9',
    '--vscode-charts-red': '#f48771',
    '--vscode-charts-yellow': '#ffd370',
    '--vscode-list-activeSelectionBackground': '#000000',
    '--vscode-list-activeSelectionForeground': '#ffffff',
    '--vscode-list-focusOutline': '#f38518',
    '--vscode-list-hoverBackground': '#000000',
    '--vscode-input-background': '#000000',
    '--vscode-input-border': '#6fc3df',
  },
};

export const HIGH_CONTRAST_LIGHT: Theme = {
  name: 'high-contrast-light',
  bodyClass: 'vscode-high-contrast-light',
  variables: {
    ...without(LIGHT.variables, '--vscode-charts-orange'),
    '--vscode-foreground': '#292929',
    '--vscode-editor-background': '#ffffff',
    '--vscode-descriptionForeground': '#292929',
    '--vscode-panel-border': '#0f4a85',
    '--vscode-sideBar-background': '#ffffff',
    '--vscode-editorWidget-background': '#ffffff',
    '--vscode-editorWidget-border': '#0f4a85',
    '--vscode-focusBorder': '#006bbd',
    '--vscode-charts-blue': '#0063d3',
    '--vscode-charts-green': '#374e06',
    '--vscode-charts-red': '#b5200d',
    '--vscode-charts-purple': '#652d90',
    '--vscode-charts-yellow': '#895503',
    '--vscode-list-activeSelectionBackground': '#ffffff',
    '--vscode-list-activeSelectionForeground': '#000000',
    '--vscode-list-focusOutline': '#006bbd',
    '--vscode-list-hoverBackground': '#ffffff',
    '--vscode-input-background': '#ffffff',
    '--vscode-input-border': '#0f4a85',
  },
};

/** The four built-in theme kinds. */
export const ALL_THEMES: readonly Theme[] = [DARK, LIGHT, HIGH_CONTRAST, HIGH_CONTRAST_LIGHT];
