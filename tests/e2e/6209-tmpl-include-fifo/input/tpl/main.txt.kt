{{>pipe}}
