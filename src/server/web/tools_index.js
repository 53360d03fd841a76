// /tools: the index of the planning pages; only the shell to mount.
import { mountShell } from './shell.js';

mountShell();
