// Chat conversations kept in this browser (localStorage), most recent
// first. A conversation: { id, title, updated, messages: [{ role, content,
// model?, stopped?, error?, note? }] }. Nothing of it is kept on the server.

const STORE = 'hearth.conversations';
const CURRENT = 'hearth.currentConversation';

export function loadConversations() {
  try {
    const list = JSON.parse(localStorage.getItem(STORE) ?? '[]');
    return Array.isArray(list) ? list.filter((c) => c && Array.isArray(c.messages)) : [];
  } catch {
    return [];  // unreadable history: start afresh rather than break the page
  }
}

// Saves `list`; when the browser's quota is exceeded the oldest
// conversations are dropped until it fits. Returns how many were dropped.
export function saveConversations(list) {
  for (let dropped = 0; ; dropped++) {
    try {
      localStorage.setItem(STORE, JSON.stringify(list.slice(0, list.length - dropped)));
      return dropped;
    } catch (e) {
      if (dropped >= list.length) throw e;
    }
  }
}

export function newConversation() {
  return { id: `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`, title: '', updated: Date.now(), messages: [] };
}

export function currentId() {
  return localStorage.getItem(CURRENT);
}

export function setCurrentId(id) {
  if (id) localStorage.setItem(CURRENT, id);
  else localStorage.removeItem(CURRENT);
}
