x {{>.git/config}}
