export * from './redaction';
export * from './credential-scrubber';
