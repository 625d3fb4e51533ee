// The only code that imports bullmq: generation jobs from every service. Its API arrives with issue #6.
export {};
