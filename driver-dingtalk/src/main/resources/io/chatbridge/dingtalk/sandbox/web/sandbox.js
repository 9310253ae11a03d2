// The DingTalk sandbox page: polls /sandbox/api/state and renders every conversation.
// All text reaches the DOM through textContent / createTextNode; nothing is ever assigned to innerHTML.
(function () {
  'use strict';

  var POLL_MS = 300;
  var version = null;
  var rendered = {}; // conversation key -> JSON of the messages last rendered
  var built = false;
  var bridgeInstance = null; // the DingTalk instance running this sandbox inside the bridge, if it does
  var connected = false; // whether the last poll reached the sandbox

  /** What to call the process behind this page when it cannot be reached. */
  function notRunning() {
    return bridgeInstance ? 'the bridge is not running' : 'the sandbox is not running';
  }

  /** fetch() rejects with a TypeError when nothing answers at all (the process is gone). */
  function unreachable(e) {
    return e instanceof TypeError;
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function safeUrl(url) {
    return typeof url === 'string' && /^https?:\/\//i.test(url.trim()) ? url.trim() : null;
  }

  function link(url, text, className) {
    var href = safeUrl(url);
    var a = el(href ? 'a' : 'span', className, text);
    if (href) {
      a.href = href;
      a.target = '_blank';
      a.rel = 'noopener noreferrer';
    }
    return a;
  }

  function image(url, className, alt) {
    var src = safeUrl(url);
    if (!src) return el('span', 'media', '[image ' + (url || '') + ']');
    var img = el('img', className);
    img.src = src;
    img.alt = alt || '';
    img.loading = 'lazy';
    return img;
  }

  // ---- a minimal, safe markdown subset: headings, bold, italic, code, links, images, lists, quotes, breaks ----

  var INLINE = /!\[([^\]]*)\]\(([^)\s]+)\)|\[([^\]]+)\]\(([^)\s]+)\)|\*\*(.+?)\*\*|__(.+?)__|\*([^*\s][^*]*)\*|`([^`]+)`/g;

  function appendInline(parent, text) {
    var last = 0;
    var match;
    INLINE.lastIndex = 0;
    var pieces = [];
    while ((match = INLINE.exec(text)) !== null) {
      pieces.push({ index: match.index, match: match.slice() });
    }
    pieces.forEach(function (piece) {
      var m = piece.match;
      if (piece.index > last) parent.appendChild(document.createTextNode(text.slice(last, piece.index)));
      if (m[2] !== undefined) {
        parent.appendChild(image(m[2], null, m[1]));
      } else if (m[4] !== undefined) {
        parent.appendChild(link(m[4], m[3]));
      } else if (m[5] !== undefined || m[6] !== undefined) {
        var strong = el('strong');
        appendInline(strong, m[5] !== undefined ? m[5] : m[6]);
        parent.appendChild(strong);
      } else if (m[7] !== undefined) {
        var em = el('em');
        appendInline(em, m[7]);
        parent.appendChild(em);
      } else if (m[8] !== undefined) {
        parent.appendChild(el('code', null, m[8]));
      }
      last = piece.index + m[0].length;
    });
    if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function renderMarkdown(source) {
    var root = el('div', 'markdown');
    var lines = String(source || '').replace(/\r\n?/g, '\n').split('\n');
    var block = null; // the open <p>, <ul>, <ol> or <blockquote>
    lines.forEach(function (line) {
      var m;
      if ((m = /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line))) {
        block = null;
        var heading = el('h' + m[1].length);
        appendInline(heading, m[2]);
        root.appendChild(heading);
      } else if ((m = /^\s*[-*+]\s+(.*)$/.exec(line)) || (m = /^\s*\d+[.)]\s+(.*)$/.exec(line))) {
        var tag = /^\s*\d/.test(line) ? 'OL' : 'UL';
        if (!block || block.tagName !== tag) {
          block = el(tag.toLowerCase());
          root.appendChild(block);
        }
        var item = el('li');
        appendInline(item, m[1]);
        block.appendChild(item);
      } else if ((m = /^\s*>\s?(.*)$/.exec(line))) {
        if (!block || block.tagName !== 'BLOCKQUOTE') {
          block = el('blockquote');
          root.appendChild(block);
        } else {
          block.appendChild(el('br'));
        }
        appendInline(block, m[1]);
      } else if (/^\s*$/.test(line)) {
        block = null;
      } else {
        if (!block || block.tagName !== 'P') {
          block = el('p');
          root.appendChild(block);
        } else {
          block.appendChild(el('br'));
        }
        appendInline(block, line);
      }
    });
    return root;
  }

  // ---- messages ----

  function renderButtons(content) {
    var buttons = el('div', 'buttons' + (content.btnOrientation === '1' ? ' horizontal' : ''));
    (content.buttons || []).forEach(function (b) {
      buttons.appendChild(link(b.url, b.title, 'button'));
    });
    return buttons;
  }

  function renderContent(content) {
    switch (content.type) {
      case 'text': {
        var text = el('div', 'text', content.text);
        var at = [].concat(content.atMobiles || [], content.atUserIds || []);
        if (content.atAll) at.push('all');
        if (at.length) text.appendChild(el('div', 'at', '@ ' + at.join(', ')));
        return text;
      }
      case 'markdown': {
        var md = renderMarkdown(content.text);
        md.setAttribute('data-title', content.title || '');
        return md;
      }
      case 'image':
        return image(content.picUrl, 'image', 'image');
      case 'recalled':
        return el('div', 'recalled', 'message recalled');
      case 'link': {
        var card = el('div', 'link-card');
        var body = el('div');
        body.appendChild(link(content.messageUrl, content.title, 'card-title link-title'));
        body.appendChild(el('div', 'link-text', content.text));
        card.appendChild(body);
        if (content.picUrl) card.appendChild(image(content.picUrl, null, ''));
        return card;
      }
      case 'actionCard': {
        var action = el('div', 'action-card');
        action.appendChild(el('div', 'card-title', content.title));
        action.appendChild(renderMarkdown(content.text));
        action.appendChild(renderButtons(content));
        return action;
      }
      case 'feedCard': {
        var feed = el('div', 'feed-card');
        (content.links || []).forEach(function (entry) {
          var item = link(entry.messageUrl, null, 'feed-item');
          item.appendChild(el('span', 'feed-title', entry.title));
          if (entry.picUrl) item.appendChild(image(entry.picUrl, null, ''));
          feed.appendChild(item);
        });
        return feed;
      }
      case 'file':
      case 'audio':
      case 'video':
        return renderMedia(content);
      default: {
        var media = content.media || {};
        var parts = Object.keys(media).map(function (k) { return k + '=' + media[k]; });
        return el('div', 'media', '[' + content.type + '] ' + parts.join(' '));
      }
    }
  }

  // ---- mentions: DingTalk shows each as the person's @name, highlighted (the server says which tokens are) ----

  var TOKEN_END = /[\s@,.;:!?\uFF0C\u3002\uFF1B\uFF1A\uFF01\uFF1F\u3001]/;

  /** Where token stands in text from position from on, as a whole mention; -1 when it does not. */
  function tokenAt(text, token, from) {
    for (var at = text.indexOf(token, from); at >= 0; at = text.indexOf(token, at + 1)) {
      var end = at + token.length;
      var starts = at === 0 || /\s/.test(text.charAt(at - 1));
      var ends = end === text.length || TOKEN_END.test(text.charAt(end));
      if (starts && ends) return at;
    }
    return -1;
  }

  function highlightMentions(root, mentions) {
    if (!mentions || !mentions.length) return;
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    var nodes = [];
    while (walker.nextNode()) nodes.push(walker.currentNode);
    nodes.forEach(function (node) {
      var text = node.nodeValue;
      var pos = 0;
      var out = document.createDocumentFragment();
      var changed = false;
      for (;;) {
        var best = null;
        mentions.forEach(function (m) {
          var at = tokenAt(text, m.token, pos);
          if (at >= 0 && (best === null || at < best.at)) best = { at: at, mention: m };
        });
        if (!best) break;
        changed = true;
        if (best.at > pos) out.appendChild(document.createTextNode(text.slice(pos, best.at)));
        var span = el('span', 'mention', best.mention.shown);
        span.setAttribute('data-token', best.mention.token);
        out.appendChild(span);
        pos = best.at + best.mention.token.length;
      }
      if (!changed) return;
      if (pos < text.length) out.appendChild(document.createTextNode(text.slice(pos)));
      node.parentNode.replaceChild(out, node);
    });
  }

  function humanSize(bytes) {
    var n = Number(bytes);
    if (!isFinite(n) || n < 0) return '';
    if (n < 1024) return n + ' B';
    if (n < 1024 * 1024) return (n / 1024).toFixed(1) + ' KiB';
    return (n / (1024 * 1024)).toFixed(1) + ' MiB';
  }

  function seconds(ms) {
    var n = Number(ms);
    return isFinite(n) && n >= 0 ? (n / 1000).toFixed(1) + ' s' : '';
  }

  // a file (name, size, download link), a voice message or a video (a player and a download link)
  function renderMedia(content) {
    var media = content.media || {};
    var box = el('div', 'media-card ' + content.type + '-card');
    var url = safeUrl(media.url);
    var name = media.fileName || (content.type === 'audio' ? 'voice message' : content.type === 'video'
        ? 'video' + (media.videoType ? '.' + media.videoType : '') : 'file');
    if (url && content.type === 'audio') {
      var audio = el('audio', 'player');
      audio.controls = true;
      audio.preload = 'none';
      audio.src = url;
      box.appendChild(audio);
    } else if (url && content.type === 'video') {
      var video = el('video', 'player');
      video.controls = true;
      video.preload = 'none';
      video.src = url;
      if (safeUrl(media.picUrl)) video.poster = safeUrl(media.picUrl);
      box.appendChild(video);
    }
    var line = el('div', 'media-line');
    line.appendChild(el('span', 'media-kind', content.type === 'audio' ? 'Voice' : content.type === 'video' ? 'Video'
        : 'File'));
    line.appendChild(el('span', 'file-name', name));
    var facts = [humanSize(media.size), content.type === 'file' ? '' : seconds(media.duration)]
        .filter(function (f) { return f; });
    if (facts.length) line.appendChild(el('span', 'file-size', ' (' + facts.join(', ') + ')'));
    if (url) {
      var download = link(url, 'Download', 'download');
      download.setAttribute('download', name);
      line.appendChild(download);
    }
    box.appendChild(line);
    if (media.recognition) box.appendChild(el('div', 'recognition', media.recognition));
    return box;
  }

  function renderMessage(message, canReply) {
    var item = el('li', 'message' + (message.via === 'member' ? ' from-member' : ''));
    item.setAttribute('data-msgid', message.id);
    item.setAttribute('data-type', message.content.type);
    item.setAttribute('data-via', message.via);
    var meta = el('div', 'meta');
    meta.appendChild(el('span', 'sender', message.sender));
    meta.appendChild(el('span', 'via', viaLabel(message.via)));
    meta.appendChild(el('time', 'time', ' · ' + new Date(message.time).toLocaleTimeString()));
    item.appendChild(meta);
    var shown = renderContent(message.content);
    highlightMentions(shown, message.mentions);
    item.appendChild(shown);
    if (canReply && message.content.type !== 'recalled') { // quoting is offered in groups
      var reply = el('button', 'reply', 'Reply');
      reply.type = 'button';
      reply.setAttribute('data-msgid', message.id);
      reply.setAttribute('data-sender', message.sender);
      item.appendChild(reply);
    }
    if (message.delivery) {
      var state = message.delivery.state.toLowerCase();
      var label = state === 'delivered' ? 'delivered to the bridge (' + message.delivery.detail + ')'
          : state === 'pending' ? 'delivering to the bridge…'
          : 'NOT delivered: ' + message.delivery.detail;
      var delivery = el('div', 'delivery delivery-' + state, label);
      delivery.setAttribute('data-state', message.delivery.state);
      item.appendChild(delivery);
    }
    return item;
  }

  function viaLabel(via) {
    if (via === 'openapi') return 'robot (OpenAPI)';
    if (via === 'session') return 'robot (sessionWebhook)';
    if (via === 'member') return 'you, as a member';
    if (via.indexOf('webhook:') === 0) return 'custom robot webhook';
    return via;
  }

  function renderMessages(list, key, messages) {
    var json = JSON.stringify(messages);
    if (rendered[key] === json) return;
    rendered[key] = json;
    var atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    while (list.firstChild) list.removeChild(list.firstChild);
    if (!messages.length) list.appendChild(el('li', 'empty', 'No messages yet.'));
    var canReply = key.indexOf('group:') === 0;
    messages.forEach(function (m) { list.appendChild(renderMessage(m, canReply)); });
    if (atBottom) list.scrollTop = list.scrollHeight;
  }

  // "Reply" on a message: the next message typed in that group quotes it (DingTalk's reply)
  document.addEventListener('click', function (event) {
    var button = event.target.closest ? event.target.closest('button.reply') : null;
    if (!button) return;
    var section = button.closest('section.group');
    if (!section) return;
    var form = section.querySelector('form.compose');
    form.setAttribute('data-reply-to', button.getAttribute('data-msgid'));
    form.querySelector('.replying').textContent = 'Replying to ' + button.getAttribute('data-sender')
        + ' (send to quote it)';
    form.querySelector('textarea').focus();
  });

  // ---- groups and the compose form ----

  function buildGroup(group) {
    var cid = group.openConversationId;
    var section = el('section', 'group');
    section.id = 'group-' + cid;
    section.setAttribute('data-group', cid);
    var title = el('h2', 'group-title', group.title);
    title.appendChild(el('span', 'cid', cid));
    section.appendChild(title);
    if (group.webhooks.length) {
      var hooks = el('ul', 'webhooks');
      group.webhooks.forEach(function (w) {
        var item = el('li', null, 'custom robot ' + w.name + (w.signed ? ' (signed)' : '') + ': ');
        item.appendChild(el('code', null, w.url));
        hooks.appendChild(item);
      });
      section.appendChild(hooks);
    }
    var list = el('ol', 'messages');
    list.setAttribute('data-group', cid);
    section.appendChild(list);

    if (group.appRobot === false) {
      // a custom robot only posts: DingTalk sends it nothing, so there is nothing to send to the bridge from here
      var note = el('p', 'compose-note no-app-robot',
          'Only a custom robot is in this group. A custom robot cannot receive messages in DingTalk (it only posts),'
          + ' so nothing typed here could reach the bridge. To talk to the bridge, write in a group the app robot'
          + ' is in.');
      note.setAttribute('data-group', cid);
      section.appendChild(note);
      return section;
    }

    var form = el('form', 'compose');
    form.setAttribute('data-group', cid);
    var row = el('div', 'row');
    var name = el('input', 'sender-name');
    name.id = 'name-' + cid;
    name.type = 'text';
    name.placeholder = 'Your name';
    name.value = localStorage.getItem('sandbox.senderNick') || 'Alice';
    name.setAttribute('aria-label', 'Your name in ' + group.title);
    var text = el('textarea', 'compose-text');
    text.id = 'text-' + cid;
    text.placeholder = 'Message to the robot in ' + group.title + ' (Enter sends, Shift+Enter adds a line;'
        + ' @Name mentions a member)';
    text.setAttribute('aria-label', 'Message in ' + group.title);
    var send = el('button', 'send', 'Send');
    send.id = 'send-' + cid;
    send.type = 'submit';
    var picture = el('button', 'send-picture', 'Send picture');
    picture.id = 'picture-' + cid;
    picture.type = 'button';
    picture.title = 'Send a small built-in picture (after the text, if any) as a group member';
    var replying = el('p', 'replying');
    row.appendChild(name);
    row.appendChild(text);
    row.appendChild(send);
    row.appendChild(picture);
    form.appendChild(replying);
    form.appendChild(row);
    picture.addEventListener('click', function () {
      post({ senderNick: name.value, text: text.value, picture: true });
    });
    var error = el('p', 'compose-error');
    error.setAttribute('role', 'alert');
    form.appendChild(error);
    form.appendChild(el('p', 'compose-note files-one-to-one', 'Files, voice and video reach a robot only in'
        + ' one-to-one chats (DingTalk delivers only text, pictures and rich text from groups): send them under'
        + ' Direct messages.'));
    section.appendChild(form);

    text.addEventListener('keydown', function (event) {
      if (event.key === 'Enter' && !event.shiftKey) {
        event.preventDefault();
        form.requestSubmit ? form.requestSubmit() : send.click();
      }
    });
    function post(payload) {
      error.textContent = '';
      fetch('/sandbox/api/groups/' + encodeURIComponent(cid) + '/messages', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(payload)
      }).then(function (response) {
        if (!response.ok) {
          return response.json().catch(function () { return {}; }).then(function (body) {
            throw new Error(body.error || ('HTTP ' + response.status));
          });
        }
        text.value = '';
        poll(true);
      }).catch(function (e) {
        error.textContent = 'Not sent: ' + e.message;
      });
    }
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var message = text.value;
      if (!message.trim()) return;
      error.textContent = '';
      localStorage.setItem('sandbox.senderNick', name.value);
      send.disabled = true;
      fetch('/sandbox/api/groups/' + encodeURIComponent(cid) + '/messages', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ senderNick: name.value, text: message, replyTo: form.getAttribute('data-reply-to') || '' })
      }).then(function (response) {
        if (!response.ok) {
          return response.json().catch(function () { return {}; }).then(function (body) {
            throw new Error(body.error || ('HTTP ' + response.status));
          });
        }
        text.value = '';
        form.removeAttribute('data-reply-to');
        replying.textContent = '';
        poll(true);
      }).catch(function (e) {
        error.textContent = 'Not sent: ' + (unreachable(e) ? notRunning() : e.message);
      }).finally(function () {
        send.disabled = false;
      });
    });
    return section;
  }

  function render(state) {
    var groups = document.getElementById('groups');
    if (!built) {
      state.groups.forEach(function (g) { groups.appendChild(buildGroup(g)); });
      document.getElementById('callback-url').textContent = state.callbackUrl || 'no callback URL configured';
      built = true;
    }
    state.groups.forEach(function (g) {
      var list = groups.querySelector('ol.messages[data-group="' + CSS.escape(g.openConversationId) + '"]');
      if (list) renderMessages(list, 'group:' + g.openConversationId, g.messages);
    });
    var directs = document.getElementById('directs');
    if (!state.directs.length && !directs.firstChild) {
      directs.appendChild(el('p', 'empty', 'No direct messages yet.'));
    }
    state.directs.forEach(function (d) {
      var section = directs.querySelector('section.direct[data-user="' + CSS.escape(d.userId) + '"]');
      if (!section) {
        var empty = directs.querySelector('.empty');
        if (empty) directs.removeChild(empty);
        section = el('section', 'direct');
        section.setAttribute('data-user', d.userId);
        var heading = el('h3', null, 'one-to-one with ' + d.userId);
        heading.appendChild(el('span', 'cid', d.conversationId || ''));
        section.appendChild(heading);
        var list = el('ol', 'messages');
        list.setAttribute('data-user', d.userId);
        section.appendChild(list);
        directs.appendChild(section);
      }
      renderMessages(section.querySelector('ol.messages'), 'user:' + d.userId, d.messages);
    });
  }

  // ---- the one-to-one compose box: a member writes to the robot directly, with files, voice and video ----

  function buildDirectCompose() {
    var form = el('form', 'compose direct-compose');
    form.id = 'direct-compose';
    var row = el('div', 'row');
    var name = el('input', 'sender-name');
    name.id = 'direct-name';
    name.type = 'text';
    name.placeholder = 'Your name';
    name.value = localStorage.getItem('sandbox.senderNick') || 'Alice';
    name.setAttribute('aria-label', 'Your name in the one-to-one chat');
    var text = el('textarea', 'compose-text');
    text.id = 'direct-text';
    text.placeholder = 'Message to the robot in your one-to-one chat';
    text.setAttribute('aria-label', 'One-to-one message');
    var send = el('button', 'send', 'Send');
    send.id = 'direct-send';
    send.type = 'submit';
    row.appendChild(name);
    row.appendChild(text);
    row.appendChild(send);
    var media = el('div', 'row media-row');
    var file = el('input', 'file-input');
    file.id = 'direct-file';
    file.type = 'file';
    file.setAttribute('aria-label', 'File to send to the robot');
    var sendFile = el('button', 'send-file', 'Send file');
    sendFile.id = 'direct-send-file';
    sendFile.type = 'button';
    var voice = el('button', 'send-voice', 'Send voice');
    voice.id = 'direct-send-voice';
    voice.type = 'button';
    voice.title = 'Send a built-in 1 s voice message';
    var video = el('button', 'send-video', 'Send video');
    video.id = 'direct-send-video';
    video.type = 'button';
    video.title = 'Send a built-in sample video';
    media.appendChild(file);
    media.appendChild(sendFile);
    media.appendChild(voice);
    media.appendChild(video);
    var error = el('p', 'compose-error');
    error.id = 'direct-error';
    error.setAttribute('role', 'alert');
    form.appendChild(row);
    form.appendChild(media);
    form.appendChild(error);

    function submit(body, headers) {
      error.textContent = '';
      localStorage.setItem('sandbox.senderNick', name.value);
      var options = { method: 'POST', body: body };
      if (headers) options.headers = headers;
      return fetch('/sandbox/api/directs/messages', options).then(function (response) {
        if (!response.ok) {
          return response.json().catch(function () { return {}; }).then(function (answer) {
            throw new Error(answer.error || ('HTTP ' + response.status));
          });
        }
        poll(true);
        return true;
      }).catch(function (e) {
        error.textContent = 'Not sent: ' + (unreachable(e) ? notRunning() : e.message);
        return false;
      });
    }
    function json(payload) {
      return submit(JSON.stringify(payload), { 'Content-Type': 'application/json' });
    }
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      if (!text.value.trim()) return;
      json({ senderNick: name.value, text: text.value }).then(function (sent) { if (sent) text.value = ''; });
    });
    sendFile.addEventListener('click', function () {
      if (!file.files || !file.files.length) {
        error.textContent = 'Choose a file first.';
        return;
      }
      var data = new FormData();
      data.append('senderNick', name.value);
      data.append('file', file.files[0], file.files[0].name);
      submit(data).then(function (sent) { if (sent) file.value = ''; });
    });
    voice.addEventListener('click', function () { json({ senderNick: name.value, voice: true }); });
    video.addEventListener('click', function () { json({ senderNick: name.value, video: true }); });
    return form;
  }

  document.getElementById('direct-compose-slot').appendChild(buildDirectCompose());

  // Stream mode: whether the bridge holds a connection to the sandbox's gateway, and the controls to break it
  function renderStream(stream) {
    var box = document.getElementById('stream');
    if (!stream || !stream.mode) { box.hidden = true; return; }
    box.hidden = false;
    var state = document.getElementById('stream-state');
    state.textContent = stream.connected
      ? 'Stream mode: bridge connected (' + stream.connections + ' connection' + (stream.connections === 1 ? '' : 's') +
        ', since ' + new Date(stream.connectedSince).toLocaleTimeString() + ')'
      : 'Stream mode: bridge not connected' + (stream.waiting ? ' (' + stream.waiting + ' message(s) waiting)' : '');
    state.className = stream.connected ? 'connected' : 'disconnected';
  }

  ['disconnect', 'drop'].forEach(function (action) {
    document.getElementById('stream-' + action).addEventListener('click', function () {
      fetch('/sandbox/api/stream/' + action, { method: 'POST' }).finally(function () { poll(); });
    });
  });

  var timer = null;
  function poll(now) {
    if (timer) clearTimeout(timer);
    timer = null;
    var url = '/sandbox/api/state' + (version === null ? '' : '?since=' + encodeURIComponent(version));
    fetch(url, { cache: 'no-store' }).then(function (response) {
      if (!response.ok) throw new Error('HTTP ' + response.status);
      return response.json();
    }).then(function (state) {
      var status = document.getElementById('status');
      status.textContent = '';
      status.className = 'status';
      connected = true;
      renderStream(state.stream);
      if (!state.unchanged) {
        bridgeInstance = state.bridgeInstance || null;
        render(state);
        version = state.version;
      }
    }).catch(function (e) {
      var status = document.getElementById('status');
      var wasConnected = connected;
      connected = false;
      version = null; // a restarted sandbox starts over: take its whole state when it is back
      if (unreachable(e) && (wasConnected || bridgeInstance)) {
        status.textContent = bridgeInstance
            ? 'The bridge is not running: its DingTalk sandbox (dingtalk.' + bridgeInstance + ') stopped answering.'
              + ' Start the bridge again; this page reconnects by itself.'
            : 'The sandbox is not running: it stopped answering. Start it again (bridge.jar sandbox); this page'
              + ' reconnects by itself.';
      } else {
        status.textContent = 'The sandbox is not answering (' + e.message + '); retrying…';
      }
      status.className = 'status error';
    }).finally(function () {
      if (!timer) timer = setTimeout(poll, POLL_MS);
    });
  }

  poll();
})();
