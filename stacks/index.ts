import { argoMultiClusterProgram } from './program/program';

export = argoMultiClusterProgram;
