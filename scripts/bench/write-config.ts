import { writeConfigForProfile } from './load.js';

writeConfigForProfile(process.argv[2] as string, Number(process.argv[3]), Number(process.argv[4]));
