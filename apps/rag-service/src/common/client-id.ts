/** What a clientId must look like (the contract's CLIENT_ID), said so a caller can fix it. */
export const CLIENT_ID_MESSAGE = 'clientId must be 1-48 letters, digits, _ or -, starting with a letter or digit';
