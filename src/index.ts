import { run } from './main.js';

// run() catches everything itself and sets the exit code; nothing is left to await here.
void run();
