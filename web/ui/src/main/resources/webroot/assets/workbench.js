// Clerk console: the in-call workbench's arrangement — what fills the main stage (the applicant's camera,
// the applicant's second video — shared screen or document camera —, or the form mirror), where the form
// mirror sits (large on the stage or in the side panel), the side panel's tabs, the chat tab's unread
// count, the panel's width, and the notice when the applicant's second video starts or stops. It owns no
// session state: clerk.js tells it what happens and calls render(). Layout: style.css, "clerk's workbench".

import { t } from './i18n.js';
import { $ } from './ui.js';

const WIDE_KEY = 'tongban.clerkPanelWide';
const VIEWS = ['camera', 'screen', 'form'];
const TABS = ['identity', 'materials', 'form', 'signing', 'chat', 'session'];
const ALERT_MS = { started: 12_000, stopped: 6_000 };

export function initWorkbench({ render }) {
  const state = {
    view: 'camera', // what fills the main stage
    tab: null, // the side panel's tab the clerk chose (null: the default)
    unread: 0,
    alert: null, // {key, until}
    second: null, // the applicant's second video: 'screen' | 'document-camera' | null
    wide: readWide(),
  };
  let alertTimer = 0;

  $('#stage-views').addEventListener('click', (e) => {
    const button = e.target.closest('[data-view]');
    if (button) setView(button.dataset.view);
  });
  $('#panel-tabs').addEventListener('click', (e) => {
    const button = e.target.closest('[data-tab]');
    if (!button) return;
    state.tab = button.dataset.tab;
    render();
  });
  $('#form-to-stage').addEventListener('click', () => setView('form'));
  $('#form-to-panel').addEventListener('click', () => {
    state.tab = 'form';
    setView('camera');
  });
  for (const list of [$('#stage-views'), $('#panel-tabs')]) list.addEventListener('keydown', arrowKeys);
  $('#panel-wide').addEventListener('click', () => {
    state.wide = !state.wide;
    try {
      localStorage.setItem(WIDE_KEY, String(state.wide));
    } catch {
      // not kept; fine
    }
    render();
  });

  function setView(view) {
    if (!VIEWS.includes(view)) return;
    state.view = view;
    state.alert = null;
    render();
  }

  /** Left/right arrows move between the tabs of a tab list (WAI-ARIA tabs pattern). */
  function arrowKeys(e) {
    if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
    const tabs = [...e.currentTarget.querySelectorAll('[role=tab]:not([hidden])')];
    const at = tabs.indexOf(document.activeElement);
    if (at < 0) return;
    const next = tabs[(at + (e.key === 'ArrowRight' ? 1 : tabs.length - 1)) % tabs.length];
    next.focus();
    next.click();
    e.preventDefault();
  }

  function showAlert(key, ms) {
    state.alert = { key };
    clearTimeout(alertTimer);
    alertTimer = setTimeout(() => {
      state.alert = null;
      render();
    }, ms);
  }

  return {
    /** A new session (not a resumed one): the applicant's camera on the stage, the default tab, nothing unread. */
    start() {
      Object.assign(state, { view: 'camera', tab: null, unread: 0, alert: null, second: null });
    },

    /** The applicant's second video started (`source`) or stopped: it takes the stage, and the clerk is told. */
    secondVideo(active, source) {
      const was = state.second;
      state.second = active ? source : null;
      if (state.second && state.second !== was) {
        state.view = 'screen';
        showAlert(source === 'document-camera' ? 'wb.documentCameraStarted' : 'wb.screenStarted', ALERT_MS.started);
      } else if (!state.second && was) {
        if (state.view === 'screen') state.view = 'camera';
        showAlert(was === 'document-camera' ? 'wb.documentCameraStopped' : 'wb.screenStopped', ALERT_MS.stopped);
      }
    },

    /** A new chat line from someone else: counted until the chat tab is open. */
    chatLine() {
      if (activeTab() !== 'chat') state.unread += 1;
    },

    /** Shows the chat tab (e.g. when the clerk starts typing from a shortcut). */
    showTab(tab) {
      state.tab = tab;
    },

    state: () => ({ view: state.view, tab: activeTab(), unread: state.unread, wide: state.wide }),

    render() {
      const second = state.second;
      const formAvailable = !$('#cobrowse').hidden;
      if (state.view === 'screen' && !second) state.view = 'camera';
      if (state.view === 'form' && !formAvailable) state.view = 'camera';
      const stage = $('#stage');
      stage.dataset.view = state.view;
      // The form mirror is one element: large on the stage, or in the panel's form tab.
      const mirror = $('#cobrowse');
      const host = state.view === 'form' ? $('#stage-form') : $('#pane-form');
      if (mirror.parentElement !== host) host.append(mirror);

      const screenButton = $('#view-screen');
      screenButton.hidden = !second;
      screenButton.textContent = t(second === 'document-camera' ? 'wb.view.documentCamera' : 'wb.view.screen');
      $('#view-form').hidden = !formAvailable;
      for (const button of $('#stage-views').querySelectorAll('[data-view]')) {
        const selected = button.dataset.view === state.view;
        button.setAttribute('aria-selected', String(selected));
        button.tabIndex = selected ? 0 : -1;
      }
      $('#screen-full').hidden = state.view !== 'screen';
      $('#form-to-panel').hidden = state.view !== 'form';
      const alert = $('#stage-alert');
      alert.hidden = !state.alert;
      alert.textContent = state.alert ? t(state.alert.key) : '';

      const available = availableTabs(formAvailable);
      const active = activeTab(available);
      if (active === 'chat') state.unread = 0;
      for (const tab of TABS) {
        const button = $(`#tab-${tab}`);
        button.hidden = !available.includes(tab);
        button.setAttribute('aria-selected', String(tab === active));
        button.tabIndex = tab === active ? 0 : -1;
      }
      for (const pane of $('#panel').querySelectorAll('[role=tabpanel]')) pane.hidden = true;
      const pane = active === 'identity' || active === 'materials' ? 'checks' : active;
      $(`#pane-${pane}`).hidden = false;
      $(`#pane-${pane}`).setAttribute('aria-labelledby', `tab-${active}`);
      $('#checks').dataset.show = active === 'materials' ? 'materials' : 'identity';
      const unread = $('#chat-unread');
      unread.hidden = state.unread === 0;
      unread.textContent = String(state.unread);
      unread.setAttribute('aria-label', t('wb.unread', { n: state.unread }));

      $('#session-media').classList.toggle('panel-wide', state.wide);
      const wide = $('#panel-wide');
      wide.setAttribute('aria-pressed', String(state.wide));
      wide.textContent = t(state.wide ? 'wb.narrow' : 'wb.widen');
    },
  };

  function availableTabs(formAvailable = !$('#cobrowse').hidden) {
    const checks = !$('#checks').hidden;
    const out = [];
    if (checks) out.push('identity', 'materials');
    if (formAvailable && state.view !== 'form') out.push('form');
    if (!$('#signing').hidden) out.push('signing');
    out.push('chat', 'session');
    return out;
  }

  /** The clerk's choice while it is there; else identity checks when the matter has them, else chat. */
  function activeTab(available = availableTabs()) {
    if (state.tab && available.includes(state.tab)) return state.tab;
    return available.includes('identity') ? 'identity' : 'chat';
  }
}

function readWide() {
  try {
    return localStorage.getItem(WIDE_KEY) === 'true';
  } catch {
    return false;
  }
}
