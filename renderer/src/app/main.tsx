/** The renderer's composition root: platform adapter, local replica, React. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { getRxStorageDexie } from 'rxdb/plugins/storage-dexie';
import { openPosDatabase } from '../db/database.ts';
import { App } from './app.tsx';
import { choosePlatform } from './composition-root.ts';
import '../ui/styles.css';

const root = document.getElementById('root');
if (root === null) throw new Error('index.html has no #root');
let opened: ReturnType<typeof openPosDatabase> | undefined;

createRoot(root).render(
  <StrictMode>
    <App
      platform={choosePlatform(window)}
      // StrictMode mounts twice in development: open the replica once.
      openDatabase={() => (opened ??= openPosDatabase('till', getRxStorageDexie()))}
      defaultServerUrl={window.location.protocol.startsWith('http') ? window.location.origin : 'http://127.0.0.1:8080'}
    />
  </StrictMode>,
);
