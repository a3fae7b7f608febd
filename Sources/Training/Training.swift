/// Training orchestration: chemflow datasets into graph networks, HDF5 model files.
public enum Training {}
