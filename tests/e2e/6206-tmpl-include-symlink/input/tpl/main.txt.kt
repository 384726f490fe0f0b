{{>part.txt}}
