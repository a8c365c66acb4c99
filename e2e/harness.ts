/** Entry of e2e/harness.html: install the test hooks and say so. */
import { installVideoTestHooks } from '../src/video/testHooks';

installVideoTestHooks();
const status = document.getElementById('status');
if (status) status.textContent = 'ready';
document.body.dataset.ready = 'true';
