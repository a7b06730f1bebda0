// Keys for the Cisco fakes: the shared helpers already hand out only keys ssh2 can parse.
export { newHostKey as parsableHostKey, newUserKey as parsableUserKey } from '../../helpers/ssh-fakes.js';
