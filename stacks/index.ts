export = require('./program/program').argoMultiClusterProgram;
