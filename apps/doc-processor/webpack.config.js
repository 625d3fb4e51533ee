module.exports = require('../../tools/webpack/node-app.config.js')(__dirname, 'doc-processor');
