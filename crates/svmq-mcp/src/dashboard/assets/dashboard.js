// The svmq dashboard: polls the server's small JSON endpoints and redraws the
// queue counts, tasks and models. Every value from the server is put in the page
// with textContent, never as HTML, so task messages and user names cannot inject
// markup. With tokens, the token typed in the sign-in form is kept in
// sessionStorage (this tab only) and sent as a bearer header by fetch.
'use strict';

const TOKEN_KEY = 'svmq-dashboard-token';
const POLL_MILLISECONDS = 1000;
const MODELS_EVERY_POLLS = 5;

let polls = 0;
let busy = false;
// Unknown until /api/session answers; then whether a token must be typed first.
let tokenRequired = null;
let finishedTasks = -1;

function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

function authorization() {
  const value = token();
  return value ? { Authorization: 'Bearer ' + value } : {};
}

class Unauthorized extends Error {}

async function api(path, options) {
  const response = await fetch(path, Object.assign({ cache: 'no-store' }, options || {}, {
    headers: Object.assign({ Accept: 'application/json' }, authorization()),
  }));
  if (response.status === 401) {
    throw new Unauthorized();
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new Error(body.error || response.statusText);
  }
  return body;
}

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) {
    node.textContent = String(text);
  }
  if (className) {
    node.className = className;
  }
  return node;
}

function time(millis) {
  if (!millis) {
    return '';
  }
  return new Date(millis).toLocaleString();
}

function score(value) {
  return typeof value === 'number' ? value.toPrecision(4) : '—';
}

function notice(text) {
  document.getElementById('notice').textContent = text || '';
}

function showLogin(show) {
  document.getElementById('login').hidden = !show;
  document.getElementById('board').hidden = show;
  if (show) {
    document.getElementById('who').textContent = 'sign in to see your tasks and models';
  }
}

function drawQueue(queue) {
  const who = queue.signed_in
    ? 'signed in as ' + queue.user + ': your tasks and models'
    : 'open on this machine: every task; models of ' + queue.user;
  document.getElementById('who').textContent = who;
  document.getElementById('signout').hidden = !queue.signed_in;
  const counts = document.getElementById('counts');
  counts.replaceChildren();
  const entries = [
    ['queued', queue.queued], ['running', queue.running], ['completed', queue.completed],
    ['failed', queue.failed], ['cancelled', queue.cancelled],
    ['run slots', queue.max_concurrent_tasks], ['workers alive', queue.workers_alive],
  ];
  for (const [name, value] of entries) {
    const box = element('div', null, 'count');
    box.dataset.count = name;
    box.append(element('strong', value), element('span', name));
    counts.append(box);
  }
}

function cancelButton(task) {
  const button = element('button', 'Cancel');
  button.type = 'button';
  button.dataset.cancel = task.task_id;
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      const answer = await api('/api/tasks/' + encodeURIComponent(task.task_id) + '/cancel', { method: 'POST' });
      notice(answer.outcome === 'cancelled' ? 'task cancelled' : 'stopping the task…');
      await refresh();
    } catch (error) {
      handle(error);
      button.disabled = false;
    }
  });
  return button;
}

function drawTasks(tasks) {
  const body = document.getElementById('tasks');
  body.replaceChildren();
  if (tasks.length === 0) {
    const row = element('tr');
    const cell = element('td', 'no tasks yet', 'empty');
    cell.colSpan = 8;
    row.append(cell);
    body.append(row);
  }
  for (const task of tasks) {
    const row = element('tr');
    row.dataset.task = task.task_id;
    row.dataset.status = task.status;
    row.dataset.progress = task.progress;
    const id = element('td');
    id.append(element('code', task.task_id.slice(0, 12)));
    id.title = task.task_id;
    const progress = element('td');
    const bar = element('progress');
    bar.max = 100;
    bar.value = task.progress || 0;
    progress.append(bar, element('span', ' ' + Math.round(task.progress || 0) + ' %', 'percent'));
    let message = task.progress_message || '';
    if (task.status === 'queued' && task.queue_position) {
      message = 'position ' + task.queue_position + (task.eta_seconds ? ', starts in about ' + Math.round(task.eta_seconds) + ' s' : '');
    }
    if (task.error) {
      message = task.error;
    }
    progress.append(element('div', message, 'message'));
    const model = element('td');
    if (task.model_id) {
      model.append(reportLink(task.model_id, task.model_id.slice(0, 12)));
    }
    const action = element('td');
    if (task.can_cancel) {
      action.append(cancelButton(task));
    }
    row.append(id, element('td', task.user_id), element('td', task.task_type),
      element('td', task.status, 'status-' + task.status), progress,
      element('td', time(task.created_at)), model, action);
    body.append(row);
  }
}

function reportLink(modelId, text) {
  const link = element('a', text);
  link.href = '/models/' + encodeURIComponent(modelId) + '/report';
  link.target = '_blank';
  link.rel = 'noopener';
  // A link cannot carry the bearer header: with a token, fetch the report and
  // show it from a local copy instead.
  link.addEventListener('click', async (event) => {
    if (!token()) {
      return;
    }
    event.preventDefault();
    const opened = window.open('', '_blank');
    try {
      const response = await fetch(link.href, { headers: authorization(), cache: 'no-store' });
      if (!response.ok) {
        throw new Error('the report could not be loaded (' + response.status + ')');
      }
      const html = await response.text();
      const address = URL.createObjectURL(new Blob([html], { type: 'text/html' }));
      if (opened) {
        opened.location = address;
      } else {
        window.location.assign(address);
      }
    } catch (error) {
      if (opened) {
        opened.close();
      }
      handle(error);
    }
  });
  return link;
}

function drawModels(models) {
  const body = document.getElementById('models');
  body.replaceChildren();
  if (models.length === 0) {
    const row = element('tr');
    const cell = element('td', 'no models yet', 'empty');
    cell.colSpan = 6;
    row.append(cell);
    body.append(row);
  }
  for (const model of models) {
    const row = element('tr');
    row.dataset.model = model.model_id;
    const id = element('td');
    id.append(element('code', model.model_id));
    const link = element('td');
    link.append(reportLink(model.model_id, 'report'));
    row.append(id, element('td', model.task), element('td', model.kernel),
      element('td', (model.metric || '') + ' ' + score(model.cv_score)),
      element('td', time(model.created_at)), link);
    body.append(row);
  }
}

function handle(error) {
  if (error instanceof Unauthorized) {
    const hadToken = token() !== null;
    sessionStorage.removeItem(TOKEN_KEY);
    showLogin(true);
    notice(hadToken ? 'that token was not accepted' : '');
    return;
  }
  notice(error.message);
}

async function refresh() {
  if (busy) {
    return;
  }
  busy = true;
  try {
    if (tokenRequired === null) {
      tokenRequired = (await api('/api/session')).token_required;
    }
    if (tokenRequired && !token()) {
      showLogin(true);
      return;
    }
    const [queue, tasks] = await Promise.all([api('/api/queue'), api('/api/tasks')]);
    showLogin(false);
    drawQueue(queue);
    drawTasks(tasks.tasks);
    // Models change when a task finishes; otherwise a slower poll is enough.
    const finished = queue.completed;
    if (polls % MODELS_EVERY_POLLS === 0 || finished !== finishedTasks) {
      finishedTasks = finished;
      drawModels((await api('/api/models')).models);
    }
    polls += 1;
    if (document.getElementById('notice').textContent === 'server unreachable') {
      notice('');
    }
  } catch (error) {
    if (error instanceof TypeError) {
      notice('server unreachable');
    } else {
      handle(error);
    }
  } finally {
    busy = false;
  }
}

document.getElementById('login').addEventListener('submit', (event) => {
  event.preventDefault();
  const value = document.getElementById('token').value.trim();
  if (value) {
    sessionStorage.setItem(TOKEN_KEY, value);
    notice('');
    polls = 0;
    refresh();
  }
});

document.getElementById('signout').addEventListener('click', () => {
  sessionStorage.removeItem(TOKEN_KEY);
  document.getElementById('token').value = '';
  showLogin(true);
});

refresh();
setInterval(refresh, POLL_MILLISECONDS);
