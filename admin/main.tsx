// The agent dashboard's entry point (built to dist/public/admin/app.js).
import { render } from 'preact';
import { App } from './components/App';

const root = document.getElementById('app');
if (root) render(<App />, root);
