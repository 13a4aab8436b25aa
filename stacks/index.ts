export = require('./program').argoMultiClusterProgram;
