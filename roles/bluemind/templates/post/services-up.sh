{% include "templates/lib/services.sh" %}
bmctl status
bm_postfix status
