x {{>../secret.txt}}
