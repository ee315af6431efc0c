// tabs.js: Contacts, Meetings, Transfers, Calls, in the desktop app's
// order (views/mainwindow.go).

import { app } from './app.js';
import { $ } from './dom.js';
import * as meetings from './meetings.js';
import * as calllog from './calllog.js';

const TABS = ['contacts', 'meetings', 'transfers', 'calls'];

export function select(tab) {
  app.tab = tab;
  for (const t of TABS) {
    $('tab-' + t).hidden = t !== tab;
    const b = document.querySelector('.tabs [data-tab="' + t + '"]');
    b.classList.toggle('active', t === tab);
    b.setAttribute('aria-selected', String(t === tab));
  }
  // Only a meeting's members hear that it ended: the list is read afresh
  // whenever it is looked at.
  if (tab === 'meetings') meetings.refresh();
  if (tab === 'calls') calllog.seeIfShown();
}

export function init() {
  for (const b of document.querySelectorAll('.tabs [data-tab]')) {
    b.addEventListener('click', function () { select(b.getAttribute('data-tab')); });
  }
  select('contacts');
}
