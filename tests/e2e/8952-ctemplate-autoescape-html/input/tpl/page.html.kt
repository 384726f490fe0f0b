{{%AUTOESCAPE context="HTML"}}
<p>{{service}}</p>
